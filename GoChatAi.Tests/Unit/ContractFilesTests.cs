using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace GoChatAi.Tests.Unit;

/// <summary>
/// The .proto files are the API's documentation and what clients in other languages compile: the folder
/// <c>GoChatAi.Contracts/Protos</c> holds everything they import beyond protoc's own well-known types.
/// </summary>
public sealed class ContractFilesTests
{
    private static readonly string s_protos = Path.Combine(
        Path.GetDirectoryName(Path.GetDirectoryName(new Projects.GoChatAi_ChatService().ProjectPath))!, "GoChatAi.Contracts", "Protos");

    private static string Metadata(string key) =>
        typeof(ContractFilesTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    [Fact]
    public async Task The_contracts_compile_with_protoc_from_their_folder_alone()
    {
        var tools = Metadata("GrpcToolsDirectory");
        // The build's protoc for the machines the suite runs on (Linux, as CI).
        var platform = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "linux_arm64" : "linux_x64";
        var descriptors = Path.Combine(Path.GetTempPath(), $"gochatai-{Guid.NewGuid():N}.pb");
        var start = new ProcessStartInfo(Path.Combine(tools, "tools", platform, "protoc"))
        {
            // Only the contracts' folder and protoc's own well-known types (google/protobuf/*).
            ArgumentList =
            {
                $"--proto_path={s_protos}",
                $"--proto_path={Path.Combine(tools, "build", "native", "include")}",
                $"--descriptor_set_out={descriptors}",
                "gochatai/auth/v1/auth.proto",
                "gochatai/chat/v1/chat.proto",
                "google/rpc/status.proto",
                "google/rpc/error_details.proto",
            },
            RedirectStandardError = true,
        };

        using var protoc = Process.Start(start)!;
        var errors = await protoc.StandardError.ReadToEndAsync();
        await protoc.WaitForExitAsync();

        Assert.True(protoc.ExitCode == 0, errors);
        Assert.True(new FileInfo(descriptors).Length > 0);
        File.Delete(descriptors);
    }

    [Theory]
    [InlineData("google/api/annotations.proto")]
    [InlineData("google/api/http.proto")]
    [InlineData("google/rpc/code.proto")]
    [InlineData("google/rpc/status.proto")]
    [InlineData("google/rpc/error_details.proto")]
    public void The_shipped_google_files_are_those_the_services_are_built_with(string file) =>
        Assert.Equal(
            File.ReadAllText(Path.Combine(Metadata("GoogleCommonProtosDirectory"), file)),
            File.ReadAllText(Path.Combine(s_protos, file)));
}
