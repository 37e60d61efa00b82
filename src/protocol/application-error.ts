/**
 * Application errors carry code 200 and this message; `data` says what went wrong. Apart from the
 * envelope's schema (zod) so the browser build of the client carries none of it.
 */
export const APPLICATION_ERROR = { code: 200, message: "Odoo Server Error" } as const;
