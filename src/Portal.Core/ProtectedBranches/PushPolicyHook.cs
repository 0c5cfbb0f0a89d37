namespace Portal.Core.ProtectedBranches;

/// <summary>
/// Portal's pre-receive hook, the one hook pushes run (everywhere else hooks are off). It refuses ref names that tools
/// could mistake for options ("-x") or that are otherwise unsafe, and enforces the repository's protected branches from
/// <see cref="PushPolicy"/> in its environment: who may push, no deletion, no force-push (an update whose old commit
/// is not an ancestor of the new one), each refusal naming the rule. git shows the messages to the pusher as
/// "remote: …" and the update as "[remote rejected]". The script is Portal's, rewritten at every start; nothing from
/// users goes into it. A branch several rules cover gets the strictest of them.
/// </summary>
public static class PushPolicyHook
{
    private const string Script = """
        #!/bin/sh
        # Portal push policy (generated; do not edit). Protected branches and the pusher's access come from Portal in
        # the environment (PORTAL_PROTECTED_BRANCHES, PORTAL_PUSHER_ACCESS), never from the push.
        tab=$(printf '\t')
        status=0
        while read -r old new ref; do
            case "$ref" in
                refs/heads/-*|refs/tags/-*|*/-*|*..*|*//*|*@\{*)
                    echo "Portal refuses the ref name '$ref': names may not start a path component with '-' or contain '..', '//' or '@{'. Rename it and push again." >&2
                    status=1
                    continue ;;
                refs/heads/*) ;;
                *) continue ;;
            esac
            [ -n "$PORTAL_PROTECTED_BRANCHES" ] || continue
            branch=${ref#refs/heads/}
            case "$old" in *[!0]*) creating=0 ;; *) creating=1 ;; esac
            case "$new" in *[!0]*) deleting=0 ;; *) deleting=1 ;; esac
            forcing=0
            if [ $creating = 0 ] && [ $deleting = 0 ] && ! git merge-base --is-ancestor "$old" "$new" 2>/dev/null; then
                forcing=1
            fi
            while IFS="$tab" read -r pattern force delete access; do
                [ -n "$pattern" ] || continue
                case "$branch" in
                    $pattern)
                        if [ "$access" != developer ] && [ "$PORTAL_PUSHER_ACCESS" != maintainer ]; then
                            echo "Portal refuses the push to $ref: the protected-branch rule '$pattern' lets only maintainers push to it. Push to another branch, or ask a maintainer." >&2
                            status=1
                        elif [ $deleting = 1 ] && [ "$delete" != 1 ]; then
                            echo "Portal refuses to delete $ref: the protected-branch rule '$pattern' does not allow deleting it. A maintainer can allow deletion or remove the rule in the repository's settings." >&2
                            status=1
                        elif [ $forcing = 1 ] && [ "$force" != 1 ]; then
                            echo "Portal refuses the force-push to $ref: the protected-branch rule '$pattern' does not allow rewriting its history. Pull, merge or rebase onto it, and push again without --force." >&2
                            status=1
                        fi ;;
                esac
            done <<RULES
        $PORTAL_PROTECTED_BRANCHES
        RULES
        done
        exit $status
        """;

    /// <summary>Writes the hook into <paramref name="hooksPath"/> (Portal's push-hooks folder), executable by its owner.</summary>
    public static void WriteTo(string hooksPath)
    {
        var hook = Path.Combine(hooksPath, "pre-receive");
        File.WriteAllText(hook, Script.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
    }
}
