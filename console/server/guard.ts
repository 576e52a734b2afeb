import { ConsoleError } from './errors';

/** The header fields the guard looks at (Node lowercases names). */
export interface GuardHeaders {
  readonly host?: string;
  readonly origin?: string;
  readonly 'sec-fetch-site'?: string;
}

/**
 * Refuses what another site or machine could send: a Host other than this server's loopback name
 * (DNS rebinding points a foreign name at 127.0.0.1), an Origin other than this page's (a foreign page
 * posting to redrive or discard), and a browser's own `Sec-Fetch-Site: cross-site`. Requests without
 * Origin (curl, the page's GETs) pass: only browsers send it, and they always do on POST.
 */
export const guardRequest = (headers: GuardHeaders, port: number): void => {
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!headers.host || !allowed.includes(headers.host.toLowerCase()))
    throw new ConsoleError(
      'FORBIDDEN',
      `refused: Host "${headers.host ?? ''}" is not this console (${allowed.join(' or ')})`,
    );
  const origin = headers.origin;
  if (origin !== undefined && !allowed.some((host) => origin.toLowerCase() === `http://${host}`))
    throw new ConsoleError(
      'FORBIDDEN',
      `refused: Origin "${origin}" is not this console; only http://${allowed[0]} may call its API`,
    );
  if (headers['sec-fetch-site'] === 'cross-site')
    throw new ConsoleError('FORBIDDEN', 'refused: a cross-site request (Sec-Fetch-Site: cross-site)');
};
