namespace GoChatAi.AuthService.Domain;

/// <summary>What a user may do: every account is a user; admins may also read and manage other accounts.</summary>
public static class Roles
{
    public const string User = "user";
    public const string Admin = "admin";
}
