namespace GoChatAi.Web.Sessions;

/// <summary>The browser's session is over (signed out elsewhere, revoked, expired): the person must sign in again.</summary>
public sealed class SessionEndedException() : Exception("The session has ended; sign in again.");
