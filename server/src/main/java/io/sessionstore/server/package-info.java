/**
 * The session browser over any {@link io.sessionstore.api.SessionStore}, the {@code
 * sessionstore-server} module behind {@code sessionstore serve}: {@link
 * io.sessionstore.server.SessionBrowser} serves the pages and JSON endpoints on the JDK's own HTTP
 * server, configured by {@link io.sessionstore.server.BrowserOptions}. It uses the public API only,
 * as any application could (the build's architecture tests enforce it); everything else in this
 * package is its implementation.
 */
package io.sessionstore.server;
