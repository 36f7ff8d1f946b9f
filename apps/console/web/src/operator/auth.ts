// @access op.account
import { request } from '../api/client';
import type { AuthApi } from '../auth/types';
import { graphql } from '../gql/platform';

const OperatorLogin = graphql(`
  mutation OperatorLogin($username: String!, $password: String!) {
    operatorLogin(username: $username, password: $password) {
      token
      expiresIn
      user { id username displayName role }
      errors { field message code retryAfter }
    }
  }
`);

const OperatorMe = graphql(`
  query OperatorMe {
    me { id username displayName role }
  }
`);

const OperatorRefresh = graphql(`
  mutation OperatorRefreshToken {
    refreshToken { token expiresIn errors { field message code } }
  }
`);

const OperatorLogout = graphql(`
  mutation OperatorLogout {
    logout { ok }
  }
`);

const OperatorChangePassword = graphql(`
  mutation OperatorChangeMyPassword($oldPassword: String!, $newPassword: String!) {
    changeMyPassword(oldPassword: $oldPassword, newPassword: $newPassword) {
      token
      expiresIn
      errors { field message code retryAfter }
    }
  }
`);

export const operatorAuthApi: AuthApi = {
  async login(username, password) {
    const { operatorLogin } = await request(OperatorLogin, { username, password });
    if (!operatorLogin) throw new Error('operatorLogin returned nothing');
    return operatorLogin;
  },
  async me() {
    return (await request(OperatorMe)).me;
  },
  async refresh() {
    const { refreshToken } = await request(OperatorRefresh);
    return refreshToken ?? { token: null, expiresIn: null, errors: [] };
  },
  async logout() {
    await request(OperatorLogout);
  },
  async changePassword(oldPassword, newPassword) {
    const { changeMyPassword } = await request(OperatorChangePassword, { oldPassword, newPassword });
    return changeMyPassword ?? { token: null, expiresIn: null, errors: [] };
  },
};
