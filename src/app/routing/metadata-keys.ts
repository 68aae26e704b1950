// The reflect-metadata keys the decorators write and the route table reads. Symbol.for, so two
// copies of the package still see each other's metadata.

/** On a method function: its `HandlerMetadata`. */
export const HANDLER_METADATA = Symbol.for('services-core:handler');
/** On a prototype (legacy decorators) or a class's `Symbol.metadata` (standard): `Misuse[]`. */
export const MISUSE_METADATA = Symbol.for('services-core:misuse');
