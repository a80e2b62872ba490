export { GitRepo, NotAGitRepo, GitFailed } from './gitRepo';
