export {
  createInDoubtResolver,
  type InDoubtResolver,
  type RenameOutcome,
  type RenameParticipantOptions,
} from './createInDoubtResolver.ts';
export {
  abortRename,
  commitRename,
  injectRenameFault,
  listInDoubtRenames,
  type PendingRename,
  prepareRename,
  type RenameFault,
  type RenameFaults,
} from './preparedRenames.ts';
