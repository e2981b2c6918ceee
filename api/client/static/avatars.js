// Faces: a profile's picture when its avatar_url is an https URL, else its initials on a colour
// derived from the username (the same person has the same colour everywhere). Pictures are sized
// (no layout shift), lazy, and sent no referrer; one that fails to load becomes the initials.

import { element } from './dom.js';

// Dark enough that white initials keep a contrast above 4.5:1 at every hue.
const SATURATION = '55%';
const LIGHTNESS = '30%';

export function isHttps(url) {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

export function initials(profile) {
  const words = (profile.full_name || '').trim().split(/\s+/).filter(Boolean);
  if (words.length > 1) return ([...words[0]][0] + [...words[words.length - 1]][0]).toUpperCase();
  return [...(words[0] || profile.username || '?')].slice(0, 2).join('').toUpperCase();
}

export function hue(username) {
  let hash = 0;
  for (const character of (username || '').toLowerCase()) hash = (hash * 31 + character.codePointAt(0)) >>> 0;
  return hash % 360;
}

function initialsAvatar(profile, size, alt) {
  const node = element('span', { className: 'avatar initials' }, initials(profile));
  // CSSOM, not a style attribute: the page's CSP allows no inline style.
  node.style.backgroundColor = `hsl(${hue(profile.username)}, ${SATURATION}, ${LIGHTNESS})`;
  node.style.width = `${size}px`;
  node.style.height = `${size}px`;
  node.style.fontSize = `${Math.round(size * 0.4)}px`;
  if (alt) {
    node.setAttribute('role', 'img');
    node.setAttribute('aria-label', alt);
  } else {
    node.setAttribute('aria-hidden', 'true');
  }
  return node;
}

// `alt` is '' where the name is written beside the picture (in the same link), else a description.
export function avatar(profile, { size = 40, alt = '' } = {}) {
  const person = profile || {};
  if (!isHttps(person.avatar_url)) return initialsAvatar(person, size, alt);
  const image = element('img', {
    className: 'avatar', src: person.avatar_url, alt, width: size, height: size,
    loading: 'lazy', decoding: 'async', referrerPolicy: 'no-referrer',
  });
  image.addEventListener('error', () => image.replaceWith(initialsAvatar(person, size, alt)), { once: true });
  return image;
}
