// The demo page's script. It talks to the server with fetch; the session cookie travels by
// itself (same origin) and is never visible here.
/* global document, fetch */

const $ = (id) => document.getElementById(id);

function showCookie() {
  $('document-cookie').textContent = JSON.stringify(document.cookie);
}

async function callJson(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => null);
  return { status: response.status, data };
}

async function refreshSession() {
  const { status, data } = await callJson('GET', '/auth/session');
  const signedIn = status === 200 && data !== null;
  $('status').textContent = signedIn
    ? `Logged in as ${data.user.email}. The session ends by ${new Date(
        data.session.expiresAt,
      ).toLocaleString()} unless used.`
    : 'Not logged in.';
  $('logout').hidden = !signedIn;
  $('account').hidden = signedIn;
  showCookie();
}

async function submitCredentials(event) {
  event.preventDefault();
  const action = event.submitter?.value === 'register' ? 'register' : 'login';
  const email = $('email').value;
  const password = $('password').value;
  $('form-message').textContent = '';
  const { status, data } = await callJson('POST', `/auth/${action}`, { email, password });
  if (status === 200 || status === 201) {
    $('password').value = '';
  } else {
    $('form-message').textContent = data?.error?.message ?? `The server answered ${status}.`;
  }
  await refreshSession();
}

async function callApi() {
  const { status, data } = await callJson('GET', '/api/secure-data');
  $('api-result').textContent = `${status}\n${JSON.stringify(data, null, 2)}`;
}

async function logout() {
  await callJson('POST', '/auth/logout');
  await refreshSession();
}

document.addEventListener('DOMContentLoaded', () => {
  $('credentials').addEventListener('submit', (event) => void submitCredentials(event));
  $('read-cookie').addEventListener('click', showCookie);
  $('call-api').addEventListener('click', () => void callApi());
  $('logout').addEventListener('click', () => void logout());
  void refreshSession();
});
