/** The implementation. Not an API: anything here may change in any release. */
package io.sessionstore.internal;
