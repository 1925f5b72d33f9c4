extern alias chatservice;

using chatservice::GoChatAi.ChatService.Application.Commands;
using chatservice::GoChatAi.ChatService.Application.Sharing;
using chatservice::GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.Time.Testing;

namespace GoChatAi.Tests.Unit;

/// <summary>A share link's own rules: its id, its expiry, when it can be read.</summary>
public sealed class ShareLinkTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_new_link_has_an_unguessable_well_formed_id_and_keeps_what_it_was_made_with()
    {
        var (conversationId, userId, messageId) = (Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7());
        var links = Enumerable.Range(0, 100).Select(_ => ShareLink.Create(conversationId, userId, messageId, "A title", Now, Now.AddDays(1))).ToList();

        Assert.All(links, link =>
        {
            Assert.Equal(ShareLink.IdLength, link.Id.Length);
            Assert.True(ShareLink.IsWellFormedId(link.Id), link.Id);
            Assert.Equal((conversationId, userId, messageId, "A title", Now, Now.AddDays(1)), (link.ConversationId, link.UserId, link.MessageId, link.Title, link.CreatedAt, link.ExpiresAt));
        });
        Assert.Equal(links.Count, links.Select(l => l.Id).Distinct().Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAA")] // 21
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAA")] // 23
    [InlineData("AAAAAAAAAAAAAAAAAAAAA=")] // padding
    [InlineData("AAAAAAAAAAAAAAAAAAAA+/")] // base64, not base64url
    [InlineData("AAAAAAAAAAAAAAAAAAAA.%")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAé")]
    public void Ids_of_another_form_are_not_share_ids(string id) => Assert.False(ShareLink.IsWellFormedId(id));

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("abcXYZ019-_abcXYZ019-_")]
    public void Base64url_of_128_bits_is_a_share_id(string id) => Assert.True(ShareLink.IsWellFormedId(id));

    [Fact]
    public void A_link_expires_only_in_the_future()
    {
        Assert.True(ShareLink.CanExpireAt(null, Now));
        Assert.True(ShareLink.CanExpireAt(Now.AddTicks(10), Now));
        Assert.False(ShareLink.CanExpireAt(Now, Now));
        Assert.False(ShareLink.CanExpireAt(Now.AddSeconds(-1), Now));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShareLink.Create(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), null, Now, Now));
    }

    [Fact]
    public void A_link_is_open_until_the_moment_it_expires_and_one_without_expiry_always()
    {
        var expiring = ShareLink.Create(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), null, Now, Now.AddHours(1));
        var lasting = ShareLink.Create(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), null, Now, null);

        Assert.True(expiring.IsOpenAt(Now));
        Assert.True(expiring.IsOpenAt(Now.AddHours(1).AddTicks(-1)));
        Assert.False(expiring.IsOpenAt(Now.AddHours(1)));
        Assert.False(expiring.IsOpenAt(Now.AddYears(1)));
        Assert.True(lasting.IsOpenAt(Now.AddYears(100)));
    }
}

/// <summary>
/// The share links' use case over fakes and a clock the test moves: what CreateShareLink checks and writes (nothing
/// when it refuses), that a link shows its snapshot, and that expiry and revocation end it.
/// </summary>
public sealed class ShareLinkServiceTests
{
    private readonly FakeTimeProvider _time = new(ChatFakes.Start);
    private readonly FakeConversationStore _conversations = new();
    private readonly FakeShareLinkStore _links = new();
    private readonly FakeUsageLimiter _limiter = new();
    private readonly Guid _userId = Guid.CreateVersion7();
    private readonly ShareLinkService _service;

    public ShareLinkServiceTests() => _service = new ShareLinkService(_links, _conversations, _limiter, _time);

    [Fact]
    public async Task A_link_to_the_active_leaf_copies_the_title_and_shows_the_path_as_it_was_however_the_conversation_goes_on()
    {
        var (conversation, messages) = await ConversationAsync("the title", 4);

        var link = await CreateAsync(conversation.Id);
        Assert.Equal(messages[^1].Id, link.MessageId);
        Assert.Equal("the title", link.Title);
        Assert.Equal(_time.GetUtcNow(), link.CreatedAt);
        Assert.Equal(1, _limiter.Admitted);

        var before = await _service.ReadAsync(link.Id, CancellationToken.None);
        Assert.Equal(messages.Select(m => (m.Role, m.Content)), before.Messages.Select(m => (m.Role, m.Content)));

        // A message after it, and a new title.
        var later = Message.FromUser(conversation.Id, "later", 1, null, _time.GetUtcNow());
        later.Place((await _conversations.AddMessageAsync(_userId, later, null, CancellationToken.None))!.Value);
        conversation.Change("another title", null, null, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromDays(365));

        var after = await _service.ReadAsync(link.Id, CancellationToken.None);
        Assert.Equal("the title", after.Title);
        Assert.Equal(before.Messages, after.Messages);
        Assert.Equal(link.CreatedAt, after.SharedAt);
    }

    [Fact]
    public async Task A_link_to_an_earlier_message_shows_the_path_to_it()
    {
        var (conversation, messages) = await ConversationAsync("t", 4);

        var link = await CreateAsync(conversation.Id, messages[1].Id);

        Assert.Equal(messages[..2].Select(m => m.Content), (await _service.ReadAsync(link.Id, CancellationToken.None)).Messages.Select(m => m.Content));
    }

    [Fact]
    public async Task An_expiry_that_is_not_in_the_future_is_refused_before_anything_is_counted_or_written()
    {
        var (conversation, _) = await ConversationAsync("t", 2);

        foreach (var expiresAt in new[] { _time.GetUtcNow(), _time.GetUtcNow().AddSeconds(-1) })
        {
            var refused = await Assert.ThrowsAsync<ServiceException>(() => CreateAsync(conversation.Id, expiresAt: expiresAt));
            Assert.Equal(ErrorKind.InvalidArgument, refused.Kind);
            Assert.Equal("expires_at", Assert.Single(refused.Violations).Field);
        }

        Assert.Empty(_links.Links);
        Assert.Equal(0, _limiter.Admitted);
    }

    [Fact]
    public async Task A_link_with_an_expiry_is_read_until_then_and_then_is_not_found_nor_listed_nor_revocable()
    {
        var (conversation, _) = await ConversationAsync("t", 2);
        var expiresAt = _time.GetUtcNow().AddMinutes(10);
        var link = await CreateAsync(conversation.Id, expiresAt: expiresAt);
        _time.Advance(TimeSpan.FromSeconds(1));
        var lasting = await CreateAsync(conversation.Id);

        _time.SetUtcNow(expiresAt - TimeSpan.FromTicks(10));
        Assert.Equal(2, (await _service.ReadAsync(link.Id, CancellationToken.None)).Messages.Count);
        Assert.Equal([lasting.Id, link.Id], (await _service.ListAsync(_userId, null, CancellationToken.None)).Select(l => l.Id));

        _time.Advance(TimeSpan.FromTicks(10));
        await AssertNotFoundAsync(() => _service.ReadAsync(link.Id, CancellationToken.None));
        Assert.Equal([lasting.Id], (await _service.ListAsync(_userId, null, CancellationToken.None)).Select(l => l.Id));
        await AssertNotFoundAsync(() => _service.RevokeAsync(_userId, link.Id, CancellationToken.None));
        Assert.Equal([lasting.Id], _links.Links.Select(l => l.Id));
    }

    [Fact]
    public async Task Revoking_ends_a_link_at_once_and_only_its_owner_may()
    {
        var (conversation, _) = await ConversationAsync("t", 2);
        var link = await CreateAsync(conversation.Id);

        await AssertNotFoundAsync(() => _service.RevokeAsync(Guid.CreateVersion7(), link.Id, CancellationToken.None));
        Assert.Equal(2, (await _service.ReadAsync(link.Id, CancellationToken.None)).Messages.Count);

        await _service.RevokeAsync(_userId, link.Id, CancellationToken.None);
        await AssertNotFoundAsync(() => _service.ReadAsync(link.Id, CancellationToken.None));
        await AssertNotFoundAsync(() => _service.RevokeAsync(_userId, link.Id, CancellationToken.None));
        Assert.Empty(_links.Links);
    }

    [Fact]
    public async Task A_link_whose_conversation_is_gone_is_not_found()
    {
        var (conversation, _) = await ConversationAsync("t", 2);
        var link = await CreateAsync(conversation.Id);

        await _conversations.DeleteAsync(conversation.Id, CancellationToken.None);

        await AssertNotFoundAsync(() => _service.ReadAsync(link.Id, CancellationToken.None));
    }

    [Fact]
    public async Task What_cannot_be_shared_is_refused_and_nothing_is_written()
    {
        var (conversation, messages) = await ConversationAsync("t", 2);
        var (_, otherMessages) = await ConversationAsync("other", 2);
        var (empty, _) = await ConversationAsync("empty", 0);
        var (foreign, _) = await ConversationAsync("foreign", 2, Guid.CreateVersion7());
        var answer = Message.AnswerToBe(conversation.Id, "small", Guid.CreateVersion7(), _time.GetUtcNow());
        answer.Place(MessagePlace.After(messages[^1].Id, 1));
        await _conversations.StartGenerationAsync(_userId, null, null, answer, CancellationToken.None);

        await AssertKindAsync(ErrorKind.NotFound, () => CreateAsync(foreign.Id));
        await AssertKindAsync(ErrorKind.NotFound, () => CreateAsync(Guid.CreateVersion7()));
        await AssertKindAsync(ErrorKind.NotFound, () => CreateAsync(conversation.Id, otherMessages[0].Id));
        await AssertKindAsync(ErrorKind.FailedPrecondition, () => CreateAsync(empty.Id));
        await AssertKindAsync(ErrorKind.FailedPrecondition, () => CreateAsync(conversation.Id));
        await AssertKindAsync(ErrorKind.FailedPrecondition, () => CreateAsync(conversation.Id, answer.Id));
        Assert.Empty(_links.Links);

        // The messages before the answer are final, and can be shared meanwhile.
        Assert.Equal(messages[^1].Id, (await CreateAsync(conversation.Id, messages[^1].Id)).MessageId);
    }

    [Fact]
    public async Task A_path_longer_than_a_link_shows_is_refused_rather_than_shown_in_part()
    {
        var (conversation, messages) = await ConversationAsync("long", ShareLinkService.MaxMessages + 1);

        await AssertKindAsync(ErrorKind.FailedPrecondition, () => CreateAsync(conversation.Id));
        Assert.Empty(_links.Links);

        var longest = await CreateAsync(conversation.Id, messages[ShareLinkService.MaxMessages - 1].Id);
        Assert.Equal(ShareLinkService.MaxMessages, (await _service.ReadAsync(longest.Id, CancellationToken.None)).Messages.Count);
    }

    [Fact]
    public async Task A_conversation_deleted_while_a_link_is_made_leaves_no_link()
    {
        var (conversation, _) = await ConversationAsync("t", 2);
        _links.ConversationGone = true;

        await AssertKindAsync(ErrorKind.NotFound, () => CreateAsync(conversation.Id));
        Assert.Empty(_links.Links);
    }

    [Fact]
    public async Task Links_are_listed_newest_first_all_or_by_conversation_and_only_the_owner_s()
    {
        var (a, _) = await ConversationAsync("a", 2);
        var (b, _) = await ConversationAsync("b", 2);
        var a1 = await CreateAsync(a.Id);
        _time.Advance(TimeSpan.FromSeconds(1));
        var b1 = await CreateAsync(b.Id);
        _time.Advance(TimeSpan.FromSeconds(1));
        var a2 = await CreateAsync(a.Id);

        Assert.Equal([a2.Id, b1.Id, a1.Id], (await _service.ListAsync(_userId, null, CancellationToken.None)).Select(l => l.Id));
        Assert.Equal([a2.Id, a1.Id], (await _service.ListAsync(_userId, a.Id, CancellationToken.None)).Select(l => l.Id));
        Assert.Empty(await _service.ListAsync(Guid.CreateVersion7(), a.Id, CancellationToken.None));
    }

    private Task<ShareLink> CreateAsync(Guid conversationId, Guid? messageId = null, DateTimeOffset? expiresAt = null) =>
        _service.CreateAsync(_userId, new CreateShareLinkCommand(conversationId, messageId, expiresAt), CancellationToken.None);

    /// <summary>A conversation of <paramref name="count"/> finished messages on one path, user and model by turns.</summary>
    private async Task<(Conversation Conversation, Message[] Messages)> ConversationAsync(string title, int count, Guid? userId = null)
    {
        var conversation = Conversation.Create(Guid.CreateVersion7(), userId ?? _userId, title, null, "small", _time.GetUtcNow());
        var messages = new Message[count];
        for (var i = 0; i < count; i++)
        {
            messages[i] = i % 2 == 0
                ? Message.FromUser(conversation.Id, $"question {i}", 2, null, _time.GetUtcNow())
                : Message.FromAssistant(conversation.Id, $"answer {i}", "small", 2, _time.GetUtcNow());
            messages[i].Place(i == 0 ? MessagePlace.First : MessagePlace.After(messages[i - 1].Id, i - 1));
        }

        await _conversations.AddConversationAsync(conversation, messages, CancellationToken.None);
        return (conversation, messages);
    }

    private static async Task AssertNotFoundAsync(Func<Task> call) => await AssertKindAsync(ErrorKind.NotFound, call);

    private static async Task AssertKindAsync(ErrorKind kind, Func<Task> call) =>
        Assert.Equal(kind, (await Assert.ThrowsAsync<ServiceException>(call)).Kind);
}

/// <summary>Share links in a list, as the table keeps them.</summary>
internal sealed class FakeShareLinkStore : IShareLinkStore
{
    public List<ShareLink> Links { get; } = [];

    /// <summary>Whether the next links' conversation is taken for deleted meanwhile (the foreign key refuses them).</summary>
    public bool ConversationGone { get; set; }

    public Task<bool> AddAsync(ShareLink link, CancellationToken cancellationToken)
    {
        if (!ConversationGone)
        {
            Links.Add(link);
        }

        return Task.FromResult(!ConversationGone);
    }

    public Task<ShareLink?> FindAsync(string shareId, CancellationToken cancellationToken) =>
        Task.FromResult(Links.SingleOrDefault(l => l.Id == shareId));

    public Task<IReadOnlyList<ShareLink>> ListOpenAsync(Guid userId, Guid? conversationId, DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ShareLink>>(Links
            .Where(l => l.UserId == userId && (conversationId is null || l.ConversationId == conversationId) && l.IsOpenAt(now))
            .OrderByDescending(l => l.CreatedAt).Take(limit).ToList());

    public Task<ShareLink?> DeleteAsync(Guid userId, string shareId, CancellationToken cancellationToken)
    {
        var link = Links.SingleOrDefault(l => l.Id == shareId && l.UserId == userId);
        if (link is not null)
        {
            Links.Remove(link);
        }

        return Task.FromResult(link);
    }
}
