package io.sessionstore.api;

import java.util.Map;
import java.util.Set;

/**
 * A change of a session's user-settable metadata that leaves its messages alone. Applying one bumps
 * the session's version and {@code updatedAt}.
 *
 * @param addTags tags to add
 * @param removeTags tags to remove (applied after the additions)
 * @param summary the new summary, or null to keep the current one
 * @param clearSummary whether to remove the summary
 * @param putAttributes attributes to set
 * @param removeAttributes attribute keys to remove
 * @param expectedVersion the version the caller last saw, or null; see {@link
 *     SaveOptions#expectedVersion()}
 */
public record MetadataUpdate(
    Set<String> addTags,
    Set<String> removeTags,
    String summary,
    boolean clearSummary,
    Map<String, String> putAttributes,
    Set<String> removeAttributes,
    Long expectedVersion) {

  public MetadataUpdate {
    addTags = Set.copyOf(addTags == null ? Set.of() : addTags);
    removeTags = Set.copyOf(removeTags == null ? Set.of() : removeTags);
    putAttributes = Map.copyOf(putAttributes == null ? Map.of() : putAttributes);
    removeAttributes = Set.copyOf(removeAttributes == null ? Set.of() : removeAttributes);
    Checks.tags(addTags);
    Checks.tags(removeTags);
    Checks.summary(summary);
    Checks.attributes(putAttributes);
    Checks.attributeKeys(removeAttributes);
    if (summary != null && clearSummary) {
      throw new InvalidInputException("Invalid update: it both sets and clears the summary");
    }
  }

  /** An update of tags only. */
  public static MetadataUpdate tags(Set<String> add, Set<String> remove) {
    return new MetadataUpdate(add, remove, null, false, null, null, null);
  }

  public static MetadataUpdate summary(String summary) {
    return summary == null
        ? new MetadataUpdate(null, null, null, true, null, null, null)
        : new MetadataUpdate(null, null, summary, false, null, null, null);
  }

  public static MetadataUpdate attributes(Map<String, String> put, Set<String> remove) {
    return new MetadataUpdate(null, null, null, false, put, remove, null);
  }

  public MetadataUpdate withExpectedVersion(long version) {
    return new MetadataUpdate(
        addTags, removeTags, summary, clearSummary, putAttributes, removeAttributes, version);
  }
}
