import 'reflect-metadata';

export * from './config';
export * from './cef';
export * from './app';
export * from './auth';
export * from './data';
export * from './util';
