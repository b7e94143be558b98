package io.sessionstore.bench;

/**
 * The raw floor of a backend: one object written or read by its plain driver, as cheaply as the
 * storage allows. Names are never reused, so a write never replaces anything.
 */
interface Floor {
  void write(String name, byte[] data) throws Exception;

  byte[] read(String name) throws Exception;
}
