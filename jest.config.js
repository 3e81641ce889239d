/** Jest 30 + ts-jest ESM preset: NestJS 12 is ESM, so tests run as ES modules. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The sample imports the package by its published name; in tests that is the source.
    '^nestjs-posta-guvercini$': '<rootDir>/lib/index.ts',
    '^nestjs-posta-guvercini/testing$': '<rootDir>/lib/testing/index.ts',
    // Its ES build imports JSON without an import attribute, which Jest warns about on every
    // import; the CommonJS build is the same code and loads quietly.
    '^libphonenumber-js/max$': '<rootDir>/node_modules/libphonenumber-js/max/index.cjs',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testMatch: [
    '<rootDir>/lib/**/*.spec.ts',
    '<rootDir>/test/**/*.e2e-spec.ts',
    '<rootDir>/sample/**/*.e2e-spec.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/test/fixtures/'],
  setupFiles: ['reflect-metadata'],
  testTimeout: 30000,
};
