// The composer: a live counter that counts as the server does (code points after NFC, surrounding
// whitespace stripped), refusing past 280, and one Idempotency-Key per tweet so that a retry after
// a lost connection never posts twice.

export const MAX_CHARACTERS = 280;

export function countCharacters(text) {
  return [...text.normalize('NFC').trim()].length;
}

// Wire the composer form cloned from its template; `post(content, target, key)` sends it (target:
// {reply_to_id} or {quote_of_id} or {}) and resolves to whether it was posted.
export function composer(form, post) {
  const text = form.querySelector('textarea');
  const counter = form.querySelector('.counter');
  const alert = form.querySelector('[aria-live]');
  const submit = form.querySelector('[type=submit]');
  const replying = form.querySelector('.replying');
  const cancel = replying.querySelector('.cancel-reply');
  let replyTo = null;
  let quoteOf = null;
  let key = crypto.randomUUID();
  let wasOver = false;

  function update() {
    const count = countCharacters(text.value);
    const over = count > MAX_CHARACTERS;
    counter.textContent = `${count} / ${MAX_CHARACTERS}`;
    counter.classList.toggle('over', over);
    text.setAttribute('aria-invalid', String(over));
    submit.disabled = over || count === 0;
    if (over !== wasOver) {
      alert.textContent = over ? `Too long: ${count - MAX_CHARACTERS} over the limit of ${MAX_CHARACTERS}` : '';
      wasOver = over;
    }
    return count;
  }

  function setReply(tweet) {
    replyTo = tweet;
    quoteOf = null;
    replying.hidden = !tweet;
    if (tweet) {
      replying.querySelector('span').textContent = `Replying to @${tweet.author.username}`;
      cancel.textContent = 'Cancel reply';
      if (!text.value.includes(`@${tweet.author.username}`)) text.value = `@${tweet.author.username} ${text.value}`;
      text.focus();
    }
    update();
  }

  // A quote: the new tweet carries the quoted one (quote_of_id); its text is the quoter's own.
  function setQuote(tweet) {
    setReply(null);
    quoteOf = tweet;
    replying.hidden = !tweet;
    if (tweet) {
      replying.querySelector('span').textContent = `Quoting @${tweet.author.username}: “${tweet.content.slice(0, 60)}”`;
      cancel.textContent = 'Cancel quote';
      text.focus();
    }
  }

  function target() {
    if (replyTo) return { reply_to_id: replyTo.id };
    return quoteOf ? { quote_of_id: quoteOf.id } : {};
  }

  text.addEventListener('input', update);
  cancel.addEventListener('click', () => setReply(null));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const count = update();
    if (count === 0 || count > MAX_CHARACTERS) return; // refused here, as the server would
    submit.disabled = true;
    try {
      if (await post(text.value, target(), key)) {
        text.value = '';
        key = crypto.randomUUID();
        setReply(null);
      }
    } finally {
      update();
    }
  });
  update();
  return { setReply, setQuote };
}
