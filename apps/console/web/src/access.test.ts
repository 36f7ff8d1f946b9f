// The console's role table (access.ts) must agree with the API: every GraphQL document in src/ sits in a
// file that names its access key(s) (`// @access houses`), and every role of that key must be allowed, by the
// SDL's own "Requires one of: …" line, to call each root field the document uses. A page shown to a role the
// API refuses (or a field the API opens to fewer roles later) fails here, before anyone sees a 403.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { buildSchema, Kind, parse, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ACCESS, STAFF_ROLES, type AccessKey, type Role } from './access';
import { OPERATOR_PAGES, STAFF_PAGES } from './pages';

const ROOT = resolve(__dirname, '..');
const SRC = join(ROOT, 'src');
const SDL = resolve(ROOT, '../../../graphql_api');
const schemas: Record<'tenant' | 'platform', GraphQLSchema> = {
  tenant: buildSchema(readFileSync(join(SDL, 'tenant.graphql'), 'utf8')),
  platform: buildSchema(readFileSync(join(SDL, 'platform.graphql'), 'utf8')),
};
const ALL: readonly Role[] = [...STAFF_ROLES, 'OPERATOR'];

/** "Requires one of: a resident; staff with role TENANT_ADMIN, FINANCE." → the console roles it admits. */
export function rolesFromDescription(description: string | null | undefined): Set<Role> | null {
  const m = /Requires one of:\s*([\s\S]*)$/.exec(description ?? '');
  if (!m) return null;
  const roles = new Set<Role>();
  for (const raw of m[1].replace(/\.\s*$/, '').split(';')) {
    const clause = raw.trim().replace(/\s+/g, ' ');
    if (clause.startsWith('anyone')) ALL.forEach((r) => roles.add(r));
    else if (clause === 'any staff member') STAFF_ROLES.forEach((r) => roles.add(r));
    else if (clause === 'a platform operator') roles.add('OPERATOR');
    else if (clause === 'a resident') continue;
    else if (clause.startsWith('staff with role ')) clause.slice(16).split(',').forEach((r) => roles.add(r.trim() as Role));
    else throw new Error(`unknown permission clause: "${clause}" (teach access.test.ts)`);
  }
  return roles;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'gql' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

interface Use {
  file: string;
  keys: AccessKey[];
  schema: 'tenant' | 'platform';
  operation: string;
  rootType: 'query' | 'mutation';
  field: string;
}

function documentUses(): Use[] {
  const uses: Use[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const docs = [...text.matchAll(/graphql\(\s*`([\s\S]*?)`\s*\)/g)].map((m) => m[1]);
    if (!docs.length) continue;
    const rel = relative(ROOT, file);
    const declared = /^\s*\/\/ @access ([\w.]+(?:\s*,\s*[\w.]+)*)\s*$/m.exec(text);
    if (!declared) throw new Error(`${rel}: has GraphQL documents but no "// @access <key>" line`);
    const keys = declared[1].split(',').map((k) => k.trim()) as AccessKey[];
    for (const key of keys) if (!(key in ACCESS)) throw new Error(`${rel}: unknown access key ${key}`);
    const schema = rel.startsWith('src/operator/') ? 'platform' : 'tenant';
    for (const doc of docs) {
      for (const def of parse(doc).definitions) {
        if (def.kind !== Kind.OPERATION_DEFINITION || def.operation === 'subscription') continue;
        for (const sel of def.selectionSet.selections) {
          if (sel.kind !== Kind.FIELD || sel.name.value.startsWith('__')) continue;
          uses.push({ file: rel, keys, schema, operation: def.name?.value ?? '(anonymous)', rootType: def.operation, field: sel.name.value });
        }
      }
    }
  }
  return uses;
}

describe('access.ts agrees with the API', () => {
  const uses = documentUses();

  it('finds the documents', () => {
    expect(uses.some((u) => u.field === 'staffLogin')).toBe(true);
    expect(uses.some((u) => u.field === 'tenants' && u.schema === 'platform')).toBe(true);
  });

  it('gives every role of a page (or page part) every root field its documents use', () => {
    const problems: string[] = [];
    for (const u of uses) {
      const root = (u.rootType === 'query' ? schemas[u.schema].getQueryType() : schemas[u.schema].getMutationType()) as GraphQLObjectType;
      const field = root.getFields()[u.field];
      if (!field) {
        problems.push(`${u.file}: ${u.operation} uses ${u.field}, which the ${u.schema} schema lacks`);
        continue;
      }
      const allowed = rolesFromDescription(field.description);
      if (!allowed) {
        problems.push(`${u.file}: ${u.field} declares no "Requires one of"`);
        continue;
      }
      for (const key of u.keys) {
        const refused = (ACCESS[key] as readonly Role[]).filter((r) => !allowed.has(r));
        if (refused.length) problems.push(`${u.file}: ${key} is open to ${refused.join(', ')} but ${u.field} is not`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps operator keys on the platform and staff keys on company hosts', () => {
    for (const u of uses) for (const key of u.keys) expect(key.startsWith('op.'), `${u.file}: ${key}`).toBe(u.schema === 'platform');
    for (const p of STAFF_PAGES) expect(p.access.startsWith('op.')).toBe(false);
    for (const p of OPERATOR_PAGES) expect(p.access.startsWith('op.')).toBe(true);
  });
});

describe('rolesFromDescription', () => {
  it('reads each clause the SDL prints', () => {
    expect([...(rolesFromDescription('x\n\nRequires one of: staff with role TENANT_ADMIN, FINANCE.') ?? [])]).toEqual(['TENANT_ADMIN', 'FINANCE']);
    expect(rolesFromDescription('Requires one of: a resident.')?.size).toBe(0);
    expect([...(rolesFromDescription('Requires one of: any staff member; a platform operator.') ?? [])].sort()).toEqual([...ALL].sort());
    expect(rolesFromDescription('no declaration')).toBeNull();
    expect(() => rolesFromDescription('Requires one of: a robot.')).toThrow(/unknown permission clause/);
  });
});
