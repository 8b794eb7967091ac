complete -c pipeline-pr -f
complete -c pipeline-pr -l env-repo -x -d 'the environment repo URL'
complete -c pipeline-pr -l template -r -F -d "the app's template"
complete -c pipeline-pr -l tag -x -d 'the image tag (IMAGE_TAG)'
complete -c pipeline-pr -l app -x -d 'the app'
complete -c pipeline-pr -l dest -x -d 'the file in the repo'
complete -c pipeline-pr -l base -x -d 'the branch to change'
complete -c pipeline-pr -l branch -x -d "the pull request's branch"
complete -c pipeline-pr -l title -x -d "the pull request's title"
complete -c pipeline-pr -l message -x -d 'the commit message'
complete -c pipeline-pr -l body -x -d "the pull request's description"
complete -c pipeline-pr -l label -x -d 'a label'
complete -c pipeline-pr -l reviewer -x -d 'a reviewer'
complete -c pipeline-pr -l draft -d 'open the pull request as a draft'
complete -c pipeline-pr -l direct -d 'push to the base, no pull request'
complete -c pipeline-pr -l remove -d "remove the app's file"
complete -c pipeline-pr -l merge -d 'merge the pull request at once'
complete -c pipeline-pr -s o -l output -x -a json -d 'CI step outputs'
complete -c pipeline-pr -l forge -x -a 'github gitlab gitea' -d 'the forge'
complete -c pipeline-pr -l api-url -x -d "the forge's API base"
complete -c pipeline-pr -l forge-repo -x -d 'the repo on the forge (OWNER/NAME)'
complete -c pipeline-pr -l author -x -d 'commit author "Name <email>"'
complete -c pipeline-pr -l token-file -r -F -d 'the token'
complete -c pipeline-pr -l max-wait -x -d 'bound on rate-limit and retry waits'
complete -c pipeline-pr -l dry-run -d 'print the diff and the requests; send nothing'
complete -c pipeline-pr -s e -l env -x -a '(set -n -x)' -d 'value of KEY NAME from the environment'
complete -c pipeline-pr -s v -l value -x -d 'a KEY=VALUE value'
complete -c pipeline-pr -l values -r -F -d 'a YAML map of KEY: value'
complete -c pipeline-pr -l kyml -d "kyml's canonical output"
complete -c pipeline-pr -l allow-empty -d 'render unset and empty values as empty'
complete -c pipeline-pr -l strict -d 'template warnings fail (exit 9)'
complete -c pipeline-pr -s h -l help -d 'show help'
complete -c pipeline-pr -l version -d 'show the version'
