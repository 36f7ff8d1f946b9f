import type { PayloadError } from '../api/client';
import type { Role } from '../access';

export interface Me {
  id: string;
  username: string;
  displayName: string;
  role: Role;
}

export interface TokenResult {
  token: string | null;
  expiresIn: number | null;
  errors: readonly (PayloadError & { retryAfter?: number | null })[];
}

/** What the console needs from either API (staff on a company's host, operators on the platform's). */
export interface AuthApi {
  login(username: string, password: string): Promise<TokenResult & { user: Me | null }>;
  me(): Promise<Me>;
  refresh(): Promise<TokenResult>;
  logout(): Promise<void>;
  changePassword(oldPassword: string, newPassword: string): Promise<TokenResult>;
}
