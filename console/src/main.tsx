import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, onSessionLost, signOut, type Session } from './api.js';
import { ErrorBox, Loading } from './components/common.js';
import { useRoute } from './router.js';
import { SignIn } from './pages/sign-in.js';
import { TasksPage } from './pages/tasks.js';
import { TaskPage } from './pages/task.js';
import { FunctionsPage } from './pages/functions.js';
import { FunctionPage } from './pages/function.js';
import { MetricsPage } from './pages/metrics.js';
import './styles.css';

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState<unknown>();
  const route = useRoute();
  useEffect(() => {
    onSessionLost(() => setSession(null));
    currentSession().then((s) => setSession(s ?? null), setError);
  }, []);
  if (error) return <ErrorBox error={error} />;
  if (session === undefined) return <Loading what="Checking your session" />;
  if (session === null) return <SignIn onSignedIn={setSession} />;

  const [section = 'tasks', a, b] = route.path;
  const page =
    section === 'functions' && a ? (
      <FunctionPage key={a} name={a} />
    ) : section === 'functions' ? (
      <FunctionsPage />
    ) : section === 'metrics' ? (
      <MetricsPage />
    ) : section === 'tasks' && a && b ? (
      <TaskPage key={`${a}/${b}`} fn={a} id={b} />
    ) : (
      <TasksPage query={route.query} />
    );
  const link = (to: string, label: string) => (
    <a href={`#/${to}`} aria-current={section === to ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header class="top">
        <span class="brand">asyncfn</span>
        <nav aria-label="Main">
          {link('tasks', 'Tasks')}
          {link('functions', 'Functions')}
          {link('metrics', 'Metrics')}
        </nav>
        <span class="who">
          <span class="muted">
            {session.tenant} · {session.accessKeyId}
          </span>
          <button
            type="button"
            onClick={async () => {
              await signOut().catch(() => undefined);
              setSession(null);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main>{page}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
