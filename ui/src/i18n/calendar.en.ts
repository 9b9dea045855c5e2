// English for the calendar form, its warning and rule sources; the same keys as calendar.zh-CN.ts.
import type { calendarZhCN } from './calendar.zh-CN';

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };

export const calendarEn: Widen<typeof calendarZhCN> = {
  calendar: {
    tab: 'Calendar',
    intro: 'Semesters, holidays and screening months date the obligations. This calendar is the school’s own setting (not from the document); saving writes it into the rules and keeps every other rule.',
    semesters: 'Semesters',
    holidays: 'Holidays',
    name: 'Name',
    start: 'First day',
    end: 'Last day',
    screeningMonths: 'Screening months',
    addSemester: 'Add a semester',
    addHoliday: 'Add a holiday',
    remove: 'Remove',
    save: 'Save the calendar',
    saved: 'Calendar saved and in force.',
    reload: 'Discard changes',
    month: 'Month {n}',
    required: '{field} is required',
    problem: 'The calendar is wrong ({field}): {reason}',
    kept: 'Not saved; the last good rules stay in force.',
    warnTitle: 'The calendar ends on {end} ({days} days left)',
    endedTitle: 'The calendar ended on {end}',
    warnText: 'After it ends no new obligations appear and the semester report cannot be made. Add the next academic year in Settings › Calendar.',
    openSettings: 'Open settings',
  },
  ruleSource: {
    label: 'Source',
    local: 'School setting, not in the document',
    localOf: 'School setting (document {article} names no value)',
    seed: 'Document {article}',
  },
};
