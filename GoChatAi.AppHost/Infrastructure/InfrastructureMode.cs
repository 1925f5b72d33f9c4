namespace GoChatAi.AppHost.Infrastructure;

/// <summary>Where PostgreSQL and Redis come from.</summary>
public enum InfrastructureMode
{
    /// <summary>Chosen at start-up: external when configured, else containers when a runtime answers, else local.</summary>
    Auto,

    /// <summary>The official images, through a container runtime (Docker or Podman).</summary>
    Containers,

    /// <summary>The machine's own PostgreSQL binaries and redis-server (or Garnet), run as executables.</summary>
    Local,

    /// <summary>Servers the user runs, given as connection strings.</summary>
    External,
}
