/**
 * The implementation. Not an API: anything here may change in any release. Only the core's own
 * packages use it, and {@code api} and {@code spi} only through {@link
 * io.sessionstore.internal.ApiBridge}; the build's architecture tests fail on any other use, from
 * the core or from another module.
 */
package io.sessionstore.internal;
