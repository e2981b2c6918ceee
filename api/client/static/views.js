// The views, one function each: what a route shows. Profiles are in profile.js, notifications in
// notifications.js.

import { get, put } from './api.js';
import { element } from './dom.js';
import { publicStream } from './live.js';
import * as me from './me.js';
import { catchUp } from './pager.js';
import { counted, hashtagHref } from './render.js';
import * as session from './session.js';
import { composeForm, removeTweet, tweetList } from './tweets.js';
import { $, attempt, setView, showAccount, state } from './ui.js';

export function renderHome() {
  if (!requireProfile()) return;
  const { list, section } = tweetList('/timeline', 'Your timeline');
  state.liveTweets = list;
  state.postedTweets = list;
  setView('Home', composeForm(), section);
}

export function renderPublic() {
  const { list, section } = tweetList('/tweets', 'Every tweet');
  state.postedTweets = list;
  setView('Everyone', state.me ? composeForm() : intro(), section);
  // Signed in, the stream (with a ticket) leaves out whom you block or mute, and who blocks you, as /tweets does.
  state.viewStream = publicStream({
    tweet: (tweet) => list.upsert(tweet), delete: removeTweet, onReconnect: () => catchUp('/tweets', list),
  }, Boolean(state.me));
}

function intro() {
  return element('p', { className: 'card' }, 'Every tweet, as it is posted. ',
    element('a', { href: '#/sign-in' }, 'Sign in'), ' to post, like, follow and be notified.');
}

export async function renderTrends() {
  setView('Trends');
  const trends = await attempt(() => get('/trends'));
  if (!trends || trends === true) return;
  const list = element('ol', { className: 'trends card' });
  for (const trend of trends.data) {
    list.append(element('li', {}, element('a', { className: 'tag', href: hashtagHref(trend.tag) }, `#${trend.tag}`), ` ${counted(trend.count, 'tweet')}`));
  }
  if (!trends.data.length) list.append(element('li', { className: 'empty' }, 'No hashtags in the last 24 hours.'));
  setView('Trends', list);
}

export function renderSignIn() {
  const form = $('#sign-in-template').content.firstElementChild.cloneNode(true);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const email = form.elements.email.value;
    const password = form.elements.password.value;
    // Once signed in, the session's listener loads the profile and shows the home timeline.
    if (event.submitter && event.submitter.value === 'sign-up') {
      const answer = await attempt(() => session.signUp(email, password));
      if (!answer || answer === true) return;
      me.remember(answer.user.id, null); // a new account has no profile yet: ask for the username
      session.begin(answer);
    } else {
      await attempt(() => session.signIn(email, password));
    }
  });
  setView('Sign in', form);
}

export function renderChooseUsername() {
  const form = $('#username-template').content.firstElementChild.cloneNode(true);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { username: form.elements.username.value };
    if (form.elements.full_name.value.trim()) body.full_name = form.elements.full_name.value.trim();
    const profile = await attempt(() => put('/me', body));
    if (!profile || profile === true) return;
    state.me = profile;
    me.remember(session.userId(), profile);
    showAccount();
    state.rerender();
  });
  setView('Choose a username', form);
}

// Signed-in views need a profile (PUT /me) first; signed-out ones go to the sign-in form.
export function requireProfile() {
  if (!session.current()) {
    renderSignIn();
    return false;
  }
  if (!state.me) {
    renderChooseUsername();
    return false;
  }
  return true;
}
