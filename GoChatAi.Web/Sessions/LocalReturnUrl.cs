namespace GoChatAi.Web.Sessions;

/// <summary>Where to go after signing in: only a path of this site, so that a crafted link cannot send a person elsewhere.</summary>
public static class LocalReturnUrl
{
    public static string Or(string? returnUrl, string fallback) =>
        returnUrl is ['/', not '/' and not '\\', ..] || returnUrl == "/" ? returnUrl : fallback;
}
