export * from './catalog.js';
export * from './cost.js';
export * from './encode.js';
export * from './schema-validation.js';
export * from './schemas.js';
export * from './select.js';
export * from './translate.js';
export * from './validate.js';
