/**
 * `target[key] = value` for a key read from a file, `__proto__` included: a plain assignment of
 * that key would replace the object's prototype (a list value) or be dropped (any other value).
 */
export function setKey<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
