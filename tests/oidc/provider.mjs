// A real OpenID Connect provider for the sign-in tests: `oidc-provider` with its development
// login pages (any login name, any password). Accounts whose name starts with "mod" are in
// the group `plenary-mods`, "admin" in `plenary-admins`. Prints `ready <issuer>` once it
// listens. Env: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI.

import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;

function groups(id) {
  if (id.startsWith('mod')) return ['plenary-mods'];
  if (id.startsWith('admin')) return ['plenary-admins'];
  return [];
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: [process.env.REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: { openid: ['sub'], profile: ['name', 'groups'], email: ['email'] },
  conformIdTokenClaims: false, // the profile claims travel in the ID token itself
  pkce: { required: () => true },
  cookies: { keys: ['plenary-test-oidc-cookie-key'] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: `${id[0].toUpperCase()}${id.slice(1)} Idp`, email: `${id}@example.test`, groups: groups(id) };
      },
    };
  },
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => { console.log(`ready ${issuer}`); });
