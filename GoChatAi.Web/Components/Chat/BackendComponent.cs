using GoChatAi.Web.Backend;
using GoChatAi.Web.Sessions;
using Grpc.Core;
using Microsoft.AspNetCore.Components;

namespace GoChatAi.Web.Components.Chat;

/// <summary>
/// A part of a page that calls the ChatService: one place for what a failed call does to the page (a sentence for the
/// person, or back to sign-in when the session has ended), and calls cancelled when the page goes away.
/// </summary>
public abstract class BackendComponent : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _disposed = new();

    [Inject]
    protected ChatBackend Backend { get; set; } = default!;

    [Inject]
    protected NavigationManager Navigation { get; set; } = default!;

    /// <summary>Cancelled when the component leaves the page (the page closed or moved on).</summary>
    protected CancellationToken Disposed => _disposed.Token;

    /// <summary>Shows a failed call's sentence to the person.</summary>
    protected abstract void ShowProblem(string problem);

    protected async Task GuardAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (RpcException exception)
        {
            ShowProblem(ProblemMessage.For(exception));
        }
        catch (SessionEndedException)
        {
            SignInAgain();
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
    }

    /// <summary>A full load of the sign-in page, which also clears the ended session's cookie.</summary>
    protected void SignInAgain() => Navigation.NavigateTo("/signin", forceLoad: true);

    public virtual void Dispose()
    {
        // Cancelled, not disposed: a call still finishing may read the token after the component has gone.
        _disposed.Cancel();
        GC.SuppressFinalize(this);
    }
}
