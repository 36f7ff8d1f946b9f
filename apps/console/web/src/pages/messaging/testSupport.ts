// Test support for the messaging pages: signed-in staff of a role (the services pages' helper).
export { signIn, staffApi } from '../services/testRoles';
