/**
 * The service-provider interface backend authors implement: {@link io.sessionstore.spi.StorageBackendProvider}
 * (found through {@link java.util.ServiceLoader}) and {@link io.sessionstore.spi.StorageBackend}, with optional
 * capability interfaces such as {@link io.sessionstore.spi.SupportsSearch}. Test a backend with the
 * {@code sessionstore-tck} module.
 */
package io.sessionstore.spi;
