// @access account
import { request } from '../api/client';
import { graphql } from '../gql/tenant';
import type { AuthApi } from './types';

const StaffLogin = graphql(`
  mutation StaffLogin($username: String!, $password: String!) {
    staffLogin(username: $username, password: $password) {
      token
      expiresIn
      user { id username displayName role }
      errors { field message code retryAfter }
    }
  }
`);

const StaffMe = graphql(`
  query StaffMe {
    me { id username displayName role }
  }
`);

const StaffRefresh = graphql(`
  mutation StaffRefreshToken {
    refreshToken { token expiresIn errors { field message code } }
  }
`);

const StaffLogout = graphql(`
  mutation StaffLogout {
    logout { ok }
  }
`);

const StaffChangePassword = graphql(`
  mutation StaffChangeMyPassword($oldPassword: String!, $newPassword: String!) {
    changeMyPassword(oldPassword: $oldPassword, newPassword: $newPassword) {
      token
      expiresIn
      errors { field message code retryAfter }
    }
  }
`);

export const tenantAuthApi: AuthApi = {
  async login(username, password) {
    const { staffLogin } = await request(StaffLogin, { username, password });
    if (!staffLogin) throw new Error('staffLogin returned nothing');
    return staffLogin;
  },
  async me() {
    return (await request(StaffMe)).me;
  },
  async refresh() {
    const { refreshToken } = await request(StaffRefresh);
    return refreshToken ?? { token: null, expiresIn: null, errors: [] };
  },
  async logout() {
    await request(StaffLogout);
  },
  async changePassword(oldPassword, newPassword) {
    const { changeMyPassword } = await request(StaffChangePassword, { oldPassword, newPassword });
    return changeMyPassword ?? { token: null, expiresIn: null, errors: [] };
  },
};
