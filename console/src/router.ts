import { useEffect, useState } from 'preact/hooks';

/**
 * Routing by the URL's hash (`#/tasks/fn/id`): the ingress serves one static page and every view
 * is a link that can be bookmarked or opened in a new tab.
 */
export interface Route {
  path: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = raw.split('?');
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(path: string, query?: Record<string, string | undefined>): void {
  const q = new URLSearchParams(Object.entries(query ?? {}).filter(([, v]) => v) as [string, string][]);
  const hash = `#/${path}${q.size ? `?${q}` : ''}`;
  if (location.hash !== hash) location.hash = hash;
}
