// Types for every GraphQL document in src/, checked against the committed SDL (graphql_api/*.graphql, written
// by `make sdl`). Two schemas, two outputs: operator pages (src/operator/) talk to the platform API, everything
// else to a company's API. Output is generated, not committed (many page authors at once would conflict on it);
// `npm run typecheck` / `npm run build` run codegen first, so an API change that breaks a page fails there.
import type { CodegenConfig } from '@graphql-codegen/cli';

const presetConfig = { fragmentMasking: false as const };
const config = {
  enumsAsTypes: true, // string unions: no runtime enum objects in the bundle
  documentMode: 'string' as const, // documents ship as strings (no graphql-js parser in the browser)
  useTypeImports: true,
  avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
  // BigInt (fen sums) arrives as a JSON number; Decimal as a string ("87.50").
  scalars: { ID: 'string', DateTime: 'string', Date: 'string', Decimal: 'string', BigInt: 'number', JSONString: 'string' },
  strictScalars: false,
};

const codegen: CodegenConfig = {
  overwrite: true,
  ignoreNoDocuments: true,
  generates: {
    'src/gql/tenant/': {
      schema: '../../../graphql_api/tenant.graphql',
      documents: ['src/**/*.{ts,tsx}', '!src/operator/**', '!src/gql/**', '!src/**/*.test.{ts,tsx}'],
      preset: 'client',
      presetConfig,
      config,
    },
    'src/gql/platform/': {
      schema: '../../../graphql_api/platform.graphql',
      documents: ['src/operator/**/*.{ts,tsx}', '!src/**/*.test.{ts,tsx}'],
      preset: 'client',
      presetConfig,
      config,
    },
  },
};

export default codegen;
