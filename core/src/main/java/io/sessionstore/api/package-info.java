/**
 * The API applications use: {@link io.sessionstore.api.SessionStore}, its immutable value types and
 * its exceptions. Everything here is stable.
 */
package io.sessionstore.api;
