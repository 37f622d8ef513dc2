/**
 * The HS256 secret of the local development set-up (`npm run dev`, `npm run dev:token`, the
 * compose file's dev profile). It is public: anyone who reads the repository can sign admin tokens
 * with it, so a production process refuses to start with it (see `loadSettings`).
 */
export const PUBLISHED_DEV_SECRET = 'local-dev-secret-change-me-0123456789';
