import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const TEST_ONLY = ['@parley/testing', '@parley/twenty-contract-server'];
const APP_INTERNALS = {
  regex: '(^|/)apps/[^/]+/src/',
  message: 'an app is a composition: move what you need from it into a lib',
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', 'charts/**', 'k8s/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Fastify plugins and handlers are async by contract even when they await nothing.
      '@typescript-eslint/require-await': 'off',
      'no-console': 'off',
    },
  },
  // Module boundaries inside files (the project graph's rules are in tools/checks/architecture.mjs):
  // test helpers never reach production code, and nothing outside an app imports its internals.
  {
    files: ['libs/*/src/**/*.ts', 'apps/*/src/**/*.ts'],
    ignores: ['libs/testing/**', 'libs/twenty-contract-server/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: TEST_ONLY.map((name) => ({ name, message: 'test helpers are for tests and tools only' })),
          patterns: [APP_INTERNALS],
        },
      ],
    },
  },
  {
    files: ['libs/testing/**/*.ts', 'libs/twenty-contract-server/**/*.ts', 'libs/*/test/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [APP_INTERNALS] }] },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { console: 'readonly', process: 'readonly', URL: 'readonly' },
    },
  },
);
