import type { RecordType } from '../sequence/definition.ts';

/**
 * Email templates of the built-in sequence templates, in English and Polish. Placeholders are LiquidJS with a
 * fallback wherever the value may be missing (`record.*`); `owner.name` and `org.name` always exist.
 * Each body is a list of paragraphs; the HTML and text parts are built from the same source.
 */
export const TEMPLATE_LANGUAGES = ['en', 'pl'] as const;
export type TemplateLanguage = (typeof TEMPLATE_LANGUAGES)[number];

interface Copy {
  name: string;
  subject: string;
  paragraphs: string[];
}

export interface BuiltinEmailTemplate {
  key: string;
  recordType: RecordType;
  copy: Record<TemplateLanguage, Copy>;
}

const HI_EN = 'Hi {{ record.first_name | default: "there" }},';
const HI_PL = 'Dzień dobry,';
const SIGN_EN = 'Best regards,<br>{{ owner.name }}<br>{{ org.name }}';
const SIGN_PL = 'Z pozdrowieniami,<br>{{ owner.name }}<br>{{ org.name }}';

export const BUILTIN_EMAIL_TEMPLATES: BuiltinEmailTemplate[] = [
  // ── Follow up when contacts don't show up (contact) ─────────────────────────────────────────────────────
  {
    key: 'noshow-missed',
    recordType: 'contact',
    copy: {
      en: {
        name: 'No-show: sorry we missed you',
        subject: 'Sorry we missed you today',
        paragraphs: [
          HI_EN,
          'I was looking forward to our meeting today, but it looks like we did not manage to connect. No problem at all, I know how quickly calendars change.',
          'Would you like to pick a new time? Just reply with two or three slots that suit you this week or next, and I will send a fresh invitation.',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Nieobecność: szkoda, że się minęliśmy',
        subject: 'Szkoda, że nie udało nam się dziś spotkać',
        paragraphs: [
          HI_PL,
          'Niestety nie udało nam się dziś połączyć na umówionym spotkaniu. Rozumiem, kalendarze potrafią się szybko zmieniać.',
          'Czy możemy umówić się na inny termin? Proszę odpisać, podając dwa lub trzy dogodne terminy w tym lub przyszłym tygodniu, a wyślę nowe zaproszenie.',
          SIGN_PL,
        ],
      },
    },
  },
  {
    key: 'noshow-reschedule',
    recordType: 'contact',
    copy: {
      en: {
        name: 'No-show: offer new times',
        subject: 'New time for our conversation?',
        paragraphs: [
          HI_EN,
          'I tried to reach you by phone to reschedule our meeting. I still think a short conversation would be worth your time, so here are a few options: Tuesday morning, Wednesday afternoon or Thursday at any time.',
          'If none of these work, tell me what does and I will adapt.',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Nieobecność: propozycja nowych terminów',
        subject: 'Nowy termin naszej rozmowy?',
        paragraphs: [
          HI_PL,
          'Nie udało mi się dodzwonić, aby ustalić nowy termin naszego spotkania. Nadal uważam, że krótka rozmowa będzie dla Państwa wartościowa, dlatego proponuję: wtorek rano, środę po południu albo dowolną porę w czwartek.',
          'Jeśli żaden z tych terminów nie pasuje, proszę dać znać, jaki będzie wygodny, a dopasuję się.',
          SIGN_PL,
        ],
      },
    },
  },
  {
    key: 'noshow-final',
    recordType: 'contact',
    copy: {
      en: {
        name: 'No-show: last note',
        subject: 'Should I close the loop?',
        paragraphs: [
          HI_EN,
          'I have not heard back about a new meeting time, so I will assume the timing is not right at the moment.',
          'If things change, simply reply to this email and we will pick it up from there. Thank you for your time.',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Nieobecność: ostatnia wiadomość',
        subject: 'Czy wracamy do tematu później?',
        paragraphs: [
          HI_PL,
          'Ponieważ nie mam od Państwa odpowiedzi w sprawie nowego terminu, zakładam, że to nie jest teraz dobry moment.',
          'Gdyby coś się zmieniło, wystarczy odpowiedzieć na tę wiadomość, a wrócimy do rozmowy. Dziękuję za poświęcony czas.',
          SIGN_PL,
        ],
      },
    },
  },
  // ── High-volume outbound prospecting (lead) ──────────────────────────────────────────────────────────────
  {
    key: 'hvop-intro',
    recordType: 'lead',
    copy: {
      en: {
        name: 'Prospecting: introduction',
        subject: 'A quick idea for {{ record.company | default: "your team" }}',
        paragraphs: [
          HI_EN,
          'I work with sales teams that want to spend less time on manual follow-up and more time in real conversations. Teams like yours usually save several hours per seller each week.',
          'Would a 20-minute call next week be useful to see whether this fits {{ record.company | default: "your team" }}?',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Pozyskiwanie: pierwszy kontakt',
        subject: 'Pomysł dla firmy {{ record.company | default: "Państwa" }}',
        paragraphs: [
          HI_PL,
          'Pomagam zespołom sprzedaży ograniczyć ręczne przypominanie się klientom, tak aby więcej czasu zostawało na prawdziwe rozmowy. Podobne zespoły oszczędzają zwykle kilka godzin tygodniowo na każdego handlowca.',
          'Czy 20-minutowa rozmowa w przyszłym tygodniu pomogłaby ocenić, czy to rozwiązanie się u Państwa sprawdzi?',
          SIGN_PL,
        ],
      },
    },
  },
  {
    key: 'hvop-followup',
    recordType: 'lead',
    copy: {
      en: {
        name: 'Prospecting: follow-up',
        subject: 'Re: A quick idea for {{ record.company | default: "your team" }}',
        paragraphs: [
          HI_EN,
          'I wanted to follow up on my note from last week. Many {{ record.job_title | default: "sales leaders" }} I speak with tell me that follow-up is the first thing to slip when the team gets busy.',
          'If that sounds familiar, I would be glad to show you in 20 minutes how other teams handle it. Does Thursday or Friday work for you?',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Pozyskiwanie: przypomnienie',
        subject: 'Odp.: Pomysł dla firmy {{ record.company | default: "Państwa" }}',
        paragraphs: [
          HI_PL,
          'Wracam do mojej wiadomości z zeszłego tygodnia. Wiele osób, z którymi rozmawiam, przyznaje, że w natłoku pracy to właśnie kontakt z klientami po pierwszej rozmowie najłatwiej odkłada się na później.',
          'Jeśli brzmi to znajomo, chętnie w 20 minut pokażę, jak radzą sobie z tym inne zespoły. Czy pasuje Państwu czwartek lub piątek?',
          SIGN_PL,
        ],
      },
    },
  },
  {
    key: 'hvop-breakup',
    recordType: 'lead',
    copy: {
      en: {
        name: 'Prospecting: last email',
        subject: 'Closing the loop',
        paragraphs: [
          HI_EN,
          'I have reached out a few times and have not heard back, so I will not keep filling your inbox.',
          'If improving your team’s follow-up becomes a priority later this year, just reply to this email. I will be happy to help.',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Pozyskiwanie: ostatnia wiadomość',
        subject: 'Ostatnia wiadomość w tej sprawie',
        paragraphs: [
          HI_PL,
          'To już moja kolejna wiadomość bez odpowiedzi, więc nie będę dłużej zajmować miejsca w Państwa skrzynce.',
          'Jeśli w tym roku temat usprawnienia pracy zespołu sprzedaży wróci, wystarczy odpowiedzieć na tę wiadomość. Chętnie pomogę.',
          SIGN_PL,
        ],
      },
    },
  },
  // ── Invite to an upcoming event (contact) ────────────────────────────────────────────────────────────────
  {
    key: 'event-invite',
    recordType: 'contact',
    copy: {
      en: {
        name: 'Event: invitation',
        subject: 'You are invited: our upcoming customer event',
        paragraphs: [
          HI_EN,
          'We are hosting a customer event soon and I would love for you to join us. You will hear how companies similar to {{ record.company | default: "yours" }} get more from their sales teams, and meet peers from your industry.',
          'Reply to this email and I will save you a seat. Places are limited.',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Wydarzenie: zaproszenie',
        subject: 'Zaproszenie na nasze wydarzenie dla klientów',
        paragraphs: [
          HI_PL,
          'Wkrótce organizujemy wydarzenie dla naszych klientów i serdecznie zapraszam Państwa do udziału. Pokażemy, jak firmy podobne do Państwa lepiej wykorzystują potencjał zespołów sprzedaży, a przy okazji będzie można poznać osoby z branży.',
          'Wystarczy odpowiedzieć na tę wiadomość, a zarezerwuję dla Państwa miejsce. Liczba miejsc jest ograniczona.',
          SIGN_PL,
        ],
      },
    },
  },
  {
    key: 'event-reminder',
    recordType: 'contact',
    copy: {
      en: {
        name: 'Event: personal reminder',
        subject: 'Will you join us?',
        paragraphs: [
          HI_EN,
          'I wanted to make sure my invitation did not get lost. The event is a good chance to see what is new and to talk directly with our product team.',
          'Shall I reserve a seat for you? A one-word reply is enough.',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Wydarzenie: osobiste przypomnienie',
        subject: 'Czy możemy na Państwa liczyć?',
        paragraphs: [
          HI_PL,
          'Chcę się upewnić, że moje zaproszenie nie zginęło w skrzynce. Wydarzenie to dobra okazja, aby zobaczyć nowości i porozmawiać bezpośrednio z naszym zespołem produktowym.',
          'Czy mam zarezerwować dla Państwa miejsce? Wystarczy krótka odpowiedź.',
          SIGN_PL,
        ],
      },
    },
  },
  {
    key: 'event-see-you',
    recordType: 'contact',
    copy: {
      en: {
        name: 'Event: see you there',
        subject: 'See you at the event',
        paragraphs: [
          HI_EN,
          'Thank you for registering. Your seat is confirmed, and I will be there to welcome you.',
          'If you would like to meet one-on-one during the break, reply with the topics you want to cover and I will set aside time.',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Wydarzenie: do zobaczenia',
        subject: 'Do zobaczenia na wydarzeniu',
        paragraphs: [
          HI_PL,
          'Dziękuję za rejestrację. Miejsce jest potwierdzone, a ja chętnie przywitam Państwa na miejscu.',
          'Jeśli chcieliby Państwo porozmawiać indywidualnie w czasie przerwy, proszę napisać, jakie tematy są najważniejsze, a zarezerwuję na to czas.',
          SIGN_PL,
        ],
      },
    },
  },
  // ── Meeting for product demo requests (opportunity) ──────────────────────────────────────────────────────
  {
    key: 'demo-confirm',
    recordType: 'opportunity',
    copy: {
      en: {
        name: 'Demo: confirmation',
        subject: 'Your product demo is confirmed',
        paragraphs: [
          HI_EN,
          'Thank you for taking my call. As agreed, I have booked the demo and you will receive a calendar invitation shortly.',
          'To make the most of our time, reply with the two or three questions you most want answered, and feel free to invite colleagues who will use the product.',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Prezentacja: potwierdzenie',
        subject: 'Potwierdzenie terminu prezentacji produktu',
        paragraphs: [
          HI_PL,
          'Dziękuję za rozmowę. Zgodnie z ustaleniami termin prezentacji jest zarezerwowany, a zaproszenie do kalendarza wkrótce dotrze.',
          'Aby jak najlepiej wykorzystać ten czas, proszę odpisać, na jakie dwa lub trzy pytania chcieliby Państwo poznać odpowiedź. Zachęcam też do zaproszenia osób, które będą korzystać z produktu.',
          SIGN_PL,
        ],
      },
    },
  },
  {
    key: 'demo-schedule',
    recordType: 'opportunity',
    copy: {
      en: {
        name: 'Demo: pick a time',
        subject: 'Let us find a time for your demo',
        paragraphs: [
          HI_EN,
          'Thank you for requesting a demo. I tried to call you to set it up but could not get through.',
          'Which of these suits you best: tomorrow at 10:00, the day after at 14:00, or another time you suggest? The demo takes about 30 minutes and is tailored to your team.',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Prezentacja: wybór terminu',
        subject: 'Ustalmy termin prezentacji',
        paragraphs: [
          HI_PL,
          'Dziękuję za prośbę o prezentację produktu. Nie udało mi się dodzwonić, aby ustalić termin, dlatego piszę.',
          'Który termin będzie najwygodniejszy: jutro o 10:00, pojutrze o 14:00, czy może inny? Prezentacja trwa około 30 minut i jest dopasowana do potrzeb Państwa zespołu.',
          SIGN_PL,
        ],
      },
    },
  },
  {
    key: 'demo-followup',
    recordType: 'opportunity',
    copy: {
      en: {
        name: 'Demo: thank you and next steps',
        subject: 'Thank you for your time, and next steps',
        paragraphs: [
          HI_EN,
          'Thank you for joining the demo. As promised, here is a short summary: what we showed, the questions your team raised and the answers we agreed to follow up on.',
          'As a next step I suggest a short call with the people who will decide on the purchase. Would next week work?',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Prezentacja: podziękowanie i kolejne kroki',
        subject: 'Dziękuję za spotkanie i kolejne kroki',
        paragraphs: [
          HI_PL,
          'Dziękuję za udział w prezentacji. Zgodnie z obietnicą przesyłam krótkie podsumowanie: co pokazaliśmy, jakie pytania zadał zespół i do czego mamy jeszcze wrócić.',
          'Jako kolejny krok proponuję krótką rozmowę z osobami, które będą podejmować decyzję o zakupie. Czy przyszły tydzień będzie odpowiedni?',
          SIGN_PL,
        ],
      },
    },
  },
  {
    key: 'demo-lastcall',
    recordType: 'opportunity',
    copy: {
      en: {
        name: 'Demo: still interested?',
        subject: 'Still interested in a demo?',
        paragraphs: [
          HI_EN,
          'I have tried to reach you a few times about the demo you requested. Is it still on your list?',
          'If now is not the right moment, no problem: reply with a better month and I will get back to you then.',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Prezentacja: czy temat jest aktualny?',
        subject: 'Czy prezentacja jest nadal aktualna?',
        paragraphs: [
          HI_PL,
          'Kilka razy nie udało nam się połączyć w sprawie prezentacji, o którą Państwo prosili. Czy temat jest nadal aktualny?',
          'Jeśli to nie jest dobry moment, nic nie szkodzi. Proszę wskazać dogodniejszy miesiąc, a wtedy się odezwę.',
          SIGN_PL,
        ],
      },
    },
  },
  // ── Upcoming account renewal (account) ───────────────────────────────────────────────────────────────────
  {
    key: 'renewal-notice',
    recordType: 'account',
    copy: {
      en: {
        name: 'Renewal: coming up',
        subject: 'Your renewal is coming up',
        paragraphs: [
          HI_EN,
          'Your subscription for {{ record.name | default: "your company" }} comes up for renewal soon. Before then I would like to review together how the past year went and what you need for the next one.',
          'Could we schedule 30 minutes in the coming two weeks?',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Odnowienie: zbliża się termin',
        subject: 'Zbliża się termin odnowienia umowy',
        paragraphs: [
          HI_PL,
          'Wkrótce mija termin odnowienia Państwa subskrypcji. Zanim to nastąpi, proponuję wspólnie podsumować miniony rok i porozmawiać o potrzebach na kolejny.',
          'Czy możemy umówić się na 30 minut w ciągu najbliższych dwóch tygodni?',
          SIGN_PL,
        ],
      },
    },
  },
  {
    key: 'renewal-call-request',
    recordType: 'account',
    copy: {
      en: {
        name: 'Renewal: request a call',
        subject: 'Renewal: a quick call?',
        paragraphs: [
          HI_EN,
          'I have tried to reach you about the upcoming renewal. I would like to make sure the new terms reflect how your team uses the product today.',
          'When would be a good time for a short call? If someone else now handles renewals, I would appreciate an introduction.',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Odnowienie: prośba o rozmowę',
        subject: 'Odnowienie umowy: krótka rozmowa?',
        paragraphs: [
          HI_PL,
          'Nie udało mi się dodzwonić w sprawie zbliżającego się odnowienia. Zależy mi, aby nowe warunki odpowiadały temu, jak Państwa zespół korzysta dziś z produktu.',
          'Kiedy będzie dogodny moment na krótką rozmowę? Jeśli odnowieniami zajmuje się teraz inna osoba, uprzejmie proszę o kontakt do niej.',
          SIGN_PL,
        ],
      },
    },
  },
  {
    key: 'renewal-quote',
    recordType: 'account',
    copy: {
      en: {
        name: 'Renewal: quote follow-up',
        subject: 'Following up on your renewal quote',
        paragraphs: [
          HI_EN,
          'Last week I sent you the renewal quote we discussed. Do you have any questions, or is there anything I should adjust?',
          'Once you are happy with it, I will prepare the paperwork so there is no interruption in service.',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Odnowienie: oferta',
        subject: 'Oferta odnowienia: czy mają Państwo pytania?',
        paragraphs: [
          HI_PL,
          'W zeszłym tygodniu otrzymali Państwo ofertę odnowienia, o której rozmawialiśmy. Czy mają Państwo pytania albo czy coś w niej zmienić?',
          'Po akceptacji przygotujemy dokumenty, tak aby nie było żadnej przerwy w działaniu usługi.',
          SIGN_PL,
        ],
      },
    },
  },
  // ── Webinar follow-up (lead) ─────────────────────────────────────────────────────────────────────────────
  {
    key: 'webinar-thanks',
    recordType: 'lead',
    copy: {
      en: {
        name: 'Webinar: thank you for joining',
        subject: 'Thanks for joining our webinar',
        paragraphs: [
          HI_EN,
          'Thank you for joining our webinar. The recording and slides are now available on our website, in case you want to revisit a section or share it with your team.',
          'I would be glad to hear which topic was most relevant for {{ record.company | default: "you" }}. Just reply to this email.',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Webinar: podziękowanie za udział',
        subject: 'Dziękujemy za udział w webinarze',
        paragraphs: [
          HI_PL,
          'Dziękuję za udział w naszym webinarze. Nagranie i prezentacja są już dostępne na naszej stronie, gdyby chcieli Państwo wrócić do któregoś fragmentu lub podzielić się nim z zespołem.',
          'Chętnie dowiem się, który temat był dla Państwa najważniejszy. Wystarczy odpowiedzieć na tę wiadomość.',
          SIGN_PL,
        ],
      },
    },
  },
  {
    key: 'webinar-call-followup',
    recordType: 'lead',
    copy: {
      en: {
        name: 'Webinar: sorry I missed you',
        subject: 'Following up after the webinar',
        paragraphs: [
          HI_EN,
          'I tried to call you after the webinar, as you seemed interested in the recording. I would like to understand what you are working on and whether we can help.',
          'When would suit you for a 15-minute conversation?',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Webinar: próba kontaktu',
        subject: 'Kontakt po webinarze',
        paragraphs: [
          HI_PL,
          'Po webinarze nie udało mi się do Państwa dodzwonić, a widzę, że zainteresowało Państwa nagranie. Chętnie lepiej zrozumiem, nad czym Państwo obecnie pracują i czy możemy w tym pomóc.',
          'Kiedy będzie dogodny termin na 15-minutową rozmowę?',
          SIGN_PL,
        ],
      },
    },
  },
  {
    key: 'webinar-resources',
    recordType: 'lead',
    copy: {
      en: {
        name: 'Webinar: resources',
        subject: 'Resources from the webinar',
        paragraphs: [
          HI_EN,
          'Following up on our webinar, I have put together a few resources our attendees found most useful: a checklist for planning outreach, a short case study and answers to the questions we did not have time for.',
          'Would it help to go through them together in a short call?',
          SIGN_EN,
        ],
      },
      pl: {
        name: 'Webinar: materiały',
        subject: 'Materiały po webinarze',
        paragraphs: [
          HI_PL,
          'W nawiązaniu do webinaru przygotowaliśmy materiały, które uczestnicy uznali za najbardziej przydatne: listę kontrolną do planowania kontaktów z klientami, krótkie studium przypadku oraz odpowiedzi na pytania, na które zabrakło czasu.',
          'Czy omówienie ich podczas krótkiej rozmowy byłoby pomocne?',
          SIGN_PL,
        ],
      },
    },
  },
];

export interface RenderedBuiltinTemplate {
  id: string;
  key: string;
  language: TemplateLanguage;
  recordType: RecordType;
  name: string;
  subject: string;
  bodyHtml: string;
  bodyText: string;
}

/** Stable row id of a built-in template in every organisation, so installing twice changes nothing. */
export function builtinTemplateId(key: string, language: TemplateLanguage): string {
  return `builtin-${key}-${language}`;
}

export function builtinTemplateRows(): RenderedBuiltinTemplate[] {
  return BUILTIN_EMAIL_TEMPLATES.flatMap((template) =>
    TEMPLATE_LANGUAGES.map((language) => {
      const copy = template.copy[language];
      return {
        id: builtinTemplateId(template.key, language),
        key: template.key,
        language,
        recordType: template.recordType,
        name: copy.name,
        subject: copy.subject,
        bodyHtml: copy.paragraphs.map((p) => `<p>${p}</p>`).join('\n'),
        bodyText: copy.paragraphs.map((p) => p.replaceAll('<br>', '\n')).join('\n\n'),
      };
    }),
  );
}
