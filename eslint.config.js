// Lint: typescript-eslint's recommended rules, plus the project's own: configuration is read in
// one file only (lib/src/config.ts), and only lib imports graphql-shield.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '**/node_modules/**', '.data/**', 'dist/**', '**/generated/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through lib/src/config.ts (readConfig).' },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // graphql-shield is lib's engine: subgraphs and the schema tools build and read rules through
    // lib/src/shield.ts (rules carry lib's own metadata), never through graphql-shield itself.
    ignores: ['lib/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'graphql-shield',
              message: 'Build rules with @eventzr/lib/shield (only lib imports graphql-shield).',
            },
            { name: 'graphql-middleware', message: 'Apply rules with @eventzr/lib/shield applyShield.' },
          ],
        },
      ],
    },
  },
  {
    // Tests read loosely typed GraphQL responses; production code may not.
    files: ['**/*.test.ts', 'test/**/*.ts', '**/test-support.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['lib/src/config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
