using System.Reflection;
using NetArchTest.Rules;

namespace GoChatAi.Tests.Unit;

/// <summary>
/// The layers of each service, by namespace: Domain &lt;- Application &lt;- Infrastructure, Grpc, Http. Domain depends
/// on no other layer and no framework; Application on Domain and the interfaces it owns; Infrastructure implements
/// them; Grpc and Http map between the wire and Application. Read from the compiled IL, method bodies included.
/// </summary>
public sealed class ArchitectureTests
{
    /// <summary>Storage and cache frameworks: what only Infrastructure may know.</summary>
    private static readonly string[] s_storage = ["Microsoft.EntityFrameworkCore", "Npgsql", "StackExchange.Redis"];

    /// <summary>Storage, cache and wire frameworks: what Domain and Application must not know.</summary>
    private static readonly string[] s_storageAndWire = [.. s_storage, "Grpc", "Google.Protobuf", "GoChatAi.Contracts"];

    [Theory]
    [InlineData("GoChatAi.AuthService")]
    [InlineData("GoChatAi.ChatService")]
    public void Domain_depends_on_no_other_layer_and_no_framework(string service) =>
        AssertDoesNotDependOn(service, "Domain",
            [.. Layers(service, "Application", "Infrastructure", "Grpc", "Http"), .. s_storageAndWire, "Microsoft.AspNetCore"]);

    [Theory]
    [InlineData("GoChatAi.AuthService")]
    [InlineData("GoChatAi.ChatService")]
    public void Application_depends_on_domain_and_its_own_interfaces_only(string service) =>
        AssertDoesNotDependOn(service, "Application", [.. Layers(service, "Infrastructure", "Grpc", "Http"), .. s_storageAndWire]);

    [Theory]
    [InlineData("GoChatAi.AuthService")]
    [InlineData("GoChatAi.ChatService")]
    public void Infrastructure_does_not_depend_on_the_wire(string service) =>
        AssertDoesNotDependOn(service, "Infrastructure", Layers(service, "Grpc", "Http"));

    [Theory]
    [InlineData("GoChatAi.AuthService", "Grpc")]
    [InlineData("GoChatAi.AuthService", "Http")]
    [InlineData("GoChatAi.ChatService", "Grpc")]
    [InlineData("GoChatAi.ChatService", "Http")]
    public void The_wire_maps_to_application_and_does_not_reach_into_infrastructure(string service, string layer) =>
        AssertDoesNotDependOn(service, layer, [.. Layers(service, "Infrastructure"), .. s_storage]);

    private static string[] Layers(string service, params string[] layers) => [.. layers.Select(l => $"{service}.{l}")];

    private static void AssertDoesNotDependOn(string service, string layer, string[] forbidden)
    {
        var result = Types.InAssembly(Assembly.Load(service))
            .That().ResideInNamespace($"{service}.{layer}")
            .ShouldNot().HaveDependencyOnAny(forbidden)
            .GetResult();

        // A renamed or emptied layer must not pass for want of types. (ResideInNamespace includes child namespaces.)
        Assert.NotEmpty(result.SelectedTypesForTesting);
        Assert.True(result.IsSuccessful,
            $"{service}.{layer} depends on what it must not ({string.Join(", ", forbidden)}):{Environment.NewLine}" +
            string.Join(Environment.NewLine, result.FailingTypes.Select(t => $"  {t.FullName}: {t.Explanation}")));
    }
}
