import type { Config } from 'jest';

// Type-checking runs once in `npm run typecheck`; ts-jest only transpiles here.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/samples'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true, diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  cacheDirectory: '<rootDir>/.jest-cache',
  testTimeout: 20000,
  globalSetup: '<rootDir>/test/services/global-setup.ts',
  globalTeardown: '<rootDir>/test/services/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};

export default config;
