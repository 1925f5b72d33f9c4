namespace GoChatAi.ChatService.Infrastructure.Stores;

/// <summary>
/// The queries that walk a conversation's tree. A path from a first message to a leaf is read as runs: the leaf's
/// branch from where it leaves its parent branch down to the leaf, then that parent branch down to the fork, and so
/// on up to a branch of first messages. Each run is an index range on (branch, depth), so that a page costs the
/// same however long the path and however many branches leave it; only the forks on the path itself are walked.
/// Parameters: $1 the conversation, $2 its owner (nothing of another user's conversation is read), then each
/// query's own.
/// </summary>
internal static class ConversationTreeSql
{
    /// <summary>Where <see cref="PathPage"/> puts a message's depth, after the columns of <see cref="MessageColumns"/>.</summary>
    public const int DepthOrdinal = 12;

    /// <summary>Where <see cref="PathPage"/> puts the ids of a message's siblings.</summary>
    public const int SiblingsOrdinal = 13;

    private const string MessageColumns = """
        "Id", "ConversationId", "Role", "Content", "Status", "Model", "FinishReason", "PromptTokens", "CompletionTokens", "GenerationId", "CreatedAt", "ParentId"
        """;

    /// <summary>The path's leaf: $3, or the active leaf when null, if it is one of the conversation's messages.</summary>
    private const string LeafCte = """
        leaf AS (
            SELECT m."BranchId", m."Depth" FROM conversations c
            JOIN messages m ON m."Id" = COALESCE($3, c."ActiveLeafId") AND m."ConversationId" = c."Id"
            WHERE c."Id" = $1 AND c."UserId" = $2)
        """;

    /// <summary>The message $3, of the conversation, and the active leaf.</summary>
    private const string TargetCte = """
        target AS (
            SELECT m."BranchId", m."Depth", c."ActiveLeafId" FROM conversations c
            JOIN messages m ON m."Id" = $3 AND m."ConversationId" = c."Id"
            WHERE c."Id" = $1 AND c."UserId" = $2)
        """;

    /// <summary>
    /// The newest message under the target (itself when nothing follows it): the newest message of a subtree is one
    /// of its leaves, and the newest of a branch is its deepest. The subtree's branches are the target's own and
    /// those that leave it at or below the target, with every branch that leaves those.
    /// </summary>
    private const string NewestUnderTargetCtes = """
        under AS (
            SELECT target."BranchId" AS "Id" FROM target
            UNION ALL
            SELECT b."Id" FROM under JOIN branches b ON b."ParentBranchId" = under."Id" CROSS JOIN target
            WHERE under."Id" <> target."BranchId" OR b."ForkDepth" >= target."Depth"),
        newest AS (
            SELECT tail."Id" FROM under CROSS JOIN LATERAL (
                SELECT m."Id", m."Position" FROM messages m WHERE m."BranchId" = under."Id" ORDER BY m."Depth" DESC LIMIT 1) tail
            ORDER BY tail."Position" DESC LIMIT 1)
        """;

    /// <summary>The path's leaf (null when the conversation has no message) and depth; no row when the conversation is not the user's.</summary>
    public const string Leaf = """
        SELECT m."Id", m."Depth" FROM conversations c
        LEFT JOIN messages m ON m."Id" = COALESCE($3, c."ActiveLeafId") AND m."ConversationId" = c."Id"
        WHERE c."Id" = $1 AND c."UserId" = $2
        """;

    /// <summary>The anchor of an answer: $3, or the active leaf when null, if it is one of the conversation's messages.</summary>
    public const string Anchor = """
        SELECT m."Id", m."ParentId", m."Depth", m."Role", m."Status", m."Content", m."TokenCount" FROM conversations c
        JOIN messages m ON m."Id" = COALESCE($3, c."ActiveLeafId") AND m."ConversationId" = c."Id"
        WHERE c."Id" = $1 AND c."UserId" = $2
        """;

    /// <summary>At most $4 of the finished messages with text on the path before the anchor (see <see cref="Anchor"/>), newest first.</summary>
    public const string ContextBeforeLeaf = $"""
        WITH RECURSIVE {LeafCte}, {Runs}
        SELECT m."Role", m."Content", m."TokenCount" FROM leaf CROSS JOIN runs CROSS JOIN LATERAL (
            SELECT m."Role", m."Content", m."TokenCount", m."Depth" FROM messages m
            WHERE m."BranchId" = runs."Id" AND m."Depth" > runs."ForkDepth" AND m."Depth" <= LEAST(runs."Last", leaf."Depth" - 1)
                AND m."Status" = 'Finished' AND m."Content" <> ''
            ORDER BY m."Depth" DESC LIMIT $4) m
        ORDER BY m."Depth" DESC LIMIT $4
        """;

    /// <summary>The leaf of the path through the message $3: the active leaf when the message is on its path, else the newest message under it.</summary>
    public const string LeafThrough = $"""
        WITH RECURSIVE {TargetCte},
        leaf AS (SELECT m."BranchId", m."Depth" FROM target JOIN messages m ON m."Id" = target."ActiveLeafId"),
        {Runs}, {NewestUnderTargetCtes}
        SELECT CASE
            WHEN EXISTS (SELECT 1 FROM runs WHERE runs."Id" = target."BranchId" AND target."Depth" > runs."ForkDepth" AND target."Depth" <= runs."Last")
            THEN target."ActiveLeafId"
            ELSE (SELECT "Id" FROM newest) END
        FROM target
        """;

    /// <summary>Makes the newest message under the message $3 the active leaf (one row changed), if $3 is one of the conversation's.</summary>
    public const string SwitchBranch = $"""
        WITH RECURSIVE {TargetCte}, {NewestUnderTargetCtes}
        UPDATE conversations SET "ActiveLeafId" = newest."Id" FROM newest WHERE conversations."Id" = $1
        """;

    /// <summary>The runs of the path from the first message to the leaf, each with its last depth on the path.</summary>
    private const string Runs = """
        runs AS (
            SELECT b."Id", b."ParentBranchId", b."ForkDepth", leaf."Depth" AS "Last" FROM leaf JOIN branches b ON b."Id" = leaf."BranchId"
            UNION ALL
            SELECT b."Id", b."ParentBranchId", b."ForkDepth", runs."ForkDepth" FROM runs JOIN branches b ON b."Id" = runs."ParentBranchId")
        """;

    /// <summary>
    /// At most $7 messages of the path to the leaf (see <see cref="Leaf"/>) with depths from $4 to the leaf's less
    /// $5 and at most $6 (when given), in depth order, each with its siblings' ids, oldest first (the first messages
    /// of the conversation are each other's siblings).
    /// </summary>
    public static string PathPage(bool newestFirst) => newestFirst ? s_newestFirst : s_oldestFirst;

    private static readonly string s_newestFirst = BuildPathPage("DESC");
    private static readonly string s_oldestFirst = BuildPathPage("ASC");

    private static string BuildPathPage(string order) => $"""
        WITH RECURSIVE {LeafCte}, {Runs},
        page AS (
            SELECT m.* FROM leaf CROSS JOIN runs CROSS JOIN LATERAL (
                SELECT {MessageColumns}, m."Depth" FROM messages m
                WHERE m."BranchId" = runs."Id" AND m."Depth" > GREATEST(runs."ForkDepth", $4 - 1)
                    AND m."Depth" <= LEAST(runs."Last", leaf."Depth" - $5, COALESCE($6, leaf."Depth"))
                ORDER BY m."Depth" {order} LIMIT $7) m
            ORDER BY m."Depth" {order} LIMIT $7)
        SELECT {MessageColumns}, "Depth",
            CASE WHEN page."ParentId" IS NULL
                THEN ARRAY(SELECT s."Id" FROM messages s WHERE s."ConversationId" = $1 AND s."ParentId" IS NULL ORDER BY s."Position")
                ELSE ARRAY(SELECT s."Id" FROM messages s WHERE s."ConversationId" = $1 AND s."ParentId" = page."ParentId" ORDER BY s."Position")
            END
        FROM page ORDER BY "Depth" {order}
        """;
}
