// ESLint flat config: typescript-eslint with type information for everything the root
// tsconfig.json covers (lib, test, sample, bench), plain rules for scripts and the consumer
// fixtures (which resolve the packed package only inside their own temp install).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const typed = ['lib/**/*.ts', 'test/**/*.ts', 'sample/**/*.ts', 'bench/**/*.ts'];
const fixtures = ['test/fixtures/**'];
const specs = ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts', 'bench/**/*.ts'];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'dist-bench/**',
      'coverage/**',
      'test-artifacts/**',
      'sample/public/**/*.min.js',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  {
    files: typed,
    ignores: fixtures,
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      // A forgotten await loses errors and leaks work past app.close(): always an error here.
      '@typescript-eslint/no-floating-promises': 'error',
      // `async` on a method that implements a Promise contract (OtpStore, SmsTransport) turns a
      // synchronous throw into a rejection, which is what callers of the contract expect.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Nest modules are empty decorated classes by design.
      '@typescript-eslint/no-extraneous-class': 'off',
      // Nothing inside the package may import its own barrels (import cycles start there).
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)*(\\./)?index\\.js$',
              message:
                'Internal files never import from a barrel (lib/index.ts, lib/testing/index.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests and benches read loosely typed bodies (supertest) and pass methods to expect().
    files: specs,
    ignores: fixtures,
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['test/fixtures/**/*.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The sample app's browser scripts.
    files: ['sample/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  prettier,
);
