import { useState } from 'preact/hooks';
import { signIn, type Session } from '../api.js';
import { ErrorBox } from '../components/common.js';

/**
 * The AccessKey is exchanged once for a session cookie (HttpOnly): the secret is sent in this one
 * request and kept nowhere in the browser.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [id, setId] = useState('');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <main class="sign-in">
      <h1>asyncfn console</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            const session = await signIn(id.trim(), secret);
            setSecret('');
            onSignedIn(session);
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          AccessKey ID
          <input
            name="accessKeyId"
            autocomplete="username"
            required
            value={id}
            onInput={(e) => setId(e.currentTarget.value)}
          />
        </label>
        <label>
          AccessKey Secret
          <input
            name="accessKeySecret"
            type="password"
            autocomplete="current-password"
            required
            value={secret}
            onInput={(e) => setSecret(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <ErrorBox error={error} />
        <p class="muted small">
          The key is exchanged for a session of a few hours (an HttpOnly cookie); the secret is not kept in
          the browser.
        </p>
      </form>
    </main>
  );
}
