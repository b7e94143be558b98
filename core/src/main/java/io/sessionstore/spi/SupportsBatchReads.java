package io.sessionstore.spi;

import io.sessionstore.api.SessionKey;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A backend that reads many sessions in a few requests. Exports and migrations read sessions
 * through it in batches, instead of a head, a listing of sub-transcripts and a read of messages per
 * transcript: on a database server that is a few queries per batch rather than several per session.
 *
 * <p>A batch is no snapshot across transcripts: each head is as stored when it was read, and the
 * messages read for it are exactly that generation's, or the transcript is left out so that the
 * caller reads it again on its own.
 */
public interface SupportsBatchReads {
  /**
   * The heads of every transcript, main and sub, of these sessions (main keys), in any order. A
   * session that does not exist has none.
   */
  Stream<StoredHead> transcripts(Collection<SessionKey> sessions);

  /**
   * All the messages, in order, of each of these heads, by the head's key. A transcript whose
   * generation is no longer stored as the head says (replaced or deleted since its head was read)
   * is left out of the map.
   */
  Map<SessionKey, List<String>> allMessages(Collection<StoredHead> heads);
}
