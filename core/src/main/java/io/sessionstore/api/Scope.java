package io.sessionstore.api;

/**
 * Which sessions an operation sees: those of one project, or those of every project.
 *
 * @param project the project, or null for every project
 */
public record Scope(String project) {
  private static final Scope ALL = new Scope(null);

  public Scope {
    if (project != null) {
      SessionKey.checkName("project", project);
    }
  }

  /** The sessions of one project. */
  public static Scope project(String project) {
    if (project == null) {
      throw new InvalidInputException("Invalid project: it is missing");
    }
    return new Scope(project);
  }

  /** The sessions of every project. */
  public static Scope allProjects() {
    return ALL;
  }

  public boolean isAllProjects() {
    return project == null;
  }

  /** Whether a session of the given project is in this scope. */
  public boolean includes(String project) {
    return this.project == null || this.project.equals(project);
  }

  @Override
  public String toString() {
    return project == null ? "all projects" : "project '" + project + "'";
  }
}
