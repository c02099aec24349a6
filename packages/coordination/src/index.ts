export {
  createInDoubtResolver,
  type InDoubtResolver,
  type RenameOutcome,
  type RenameParticipantOptions,
} from './createInDoubtResolver.ts';
export {
  createRenameParticipant,
  type RenameParticipant,
  type RenameParticipantSpec,
} from './createRenameParticipant.ts';
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
export { type RenameParticipantName, renameCalls, renameProtocol } from './renameProtocol.ts';
