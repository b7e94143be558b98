/**
 * The service-provider interface backend authors implement: {@link
 * io.sessionstore.spi.StorageBackendProvider} (found through {@link java.util.ServiceLoader}) and
 * {@link io.sessionstore.spi.StorageBackend}, with optional capability interfaces such as {@link
 * io.sessionstore.spi.SupportsSearch}. Test a backend with the {@code sessionstore-tck} module.
 * Besides, what a backend may use to store data as the core does: {@link
 * io.sessionstore.spi.HeadCodec} (a head as one line of JSON), {@link
 * io.sessionstore.spi.MetadataJson}, {@link io.sessionstore.spi.Json} (the store's JSON settings:
 * exact numbers, its limits) and {@link io.sessionstore.spi.JsonStreams} (the same for streaming,
 * without starting the object mapper), {@link io.sessionstore.spi.Utf8Lines} (strict UTF-8 lines),
 * {@link io.sessionstore.spi.ConfigValues} and {@link io.sessionstore.spi.IoErrors}. Nothing here
 * reaches into {@code io.sessionstore.internal} but through its one bridge ({@code ApiBridge},
 * behind {@link io.sessionstore.spi.StoredHead#derive} and {@link
 * io.sessionstore.spi.StoredHead#extend}), and no backend may use it at all: the build's
 * architecture tests check both.
 */
package io.sessionstore.spi;
