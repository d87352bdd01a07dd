/** The embedded default database (SQLite beside the app); its own module so `stepwise --help` can name it cheaply. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/stepwise.db';
