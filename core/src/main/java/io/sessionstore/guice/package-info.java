/**
 * Guice integration: a module that binds {@link io.sessionstore.api.SessionStore} from
 * configuration.
 */
package io.sessionstore.guice;
