// The crisis case panel at the top of the student file, in English (mirrors crisis.zh-CN.ts).
import type { crisisZhCN } from './crisis.zh-CN';

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };

export const crisisEn: Widen<typeof crisisZhCN> = {
  crisis: {
    title: 'Crisis case',
    opened: 'Opened {at}',
    level: 'Level {level}',
    unassessed: 'Not yet assessed',
    organiser: 'Organiser',
    support: 'Support',
    plan: 'Plan',
    noProtocol: 'The school’s rules name no crisis steps: follow the school’s plan and record what was done in the file.',
    colStep: 'Step',
    colWho: 'By',
    colDue: 'Due',
    colStatus: 'Status',
    colDone: 'Done',
    aftercare: 'After-care',
    status: {
      due: 'Due',
      overdue: 'Overdue',
      done: 'Done',
      offered: 'If needed',
      waiting: 'After the response',
    },
    doneBy: '{by}, {at}',
    complete: 'Done',
    close: 'Close case',
    closedCount: '{count} closed crisis cases',
    closedAt: 'Closed {at}, approved by {by}',
    stepTitle: 'Record as done: {step}',
    by: 'Done by',
    at: 'Time',
    note: 'Notes',
    closeTitle: 'Close the crisis case',
    reason: 'Reason',
    approvedBy: 'Approved by',
    closeHint: 'A closed case stays in the file and owes nothing more.',
    saved: 'Recorded',
    closed: 'Case closed',
    required: 'Please fill in {field}',
  },
};
