using System.Collections.Frozen;
using System.Reflection;

namespace GoChatAi.AuthService.Infrastructure.Passwords;

/// <summary>The 10,000 most common passwords, shipped as data (see common-passwords.NOTICE), compared case-insensitively.</summary>
public sealed class CommonPasswords
{
    private readonly FrozenSet<string> _passwords;

    public CommonPasswords()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("common-passwords.txt")
            ?? throw new InvalidOperationException("The service is built without its list of common passwords.");
        using var reader = new StreamReader(stream);
        var passwords = new List<string>(10_000);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                passwords.Add(line);
            }
        }

        _passwords = passwords.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }

    public bool Contains(string password) => _passwords.Contains(password);
}
